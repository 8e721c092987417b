"""A synthetic market for the benchmarks: N models x M endpoints, drifting day by day from a seed.

Payloads are in the real OpenRouter schema (``/api/v1/models`` and each model's
``/endpoints``, shaped like ``shared/sources/openrouter``) and catalog pages are the
recorded ``dl`` markup of the seed page with this market's model and endpoints put in.
Each day (same seed, same market): about 1% of endpoints change one attribute, every
endpoint's uptime moves, and a few endpoints appear and disappear (0.1% each).

    from benchmarks.generator import Market
    market = Market(models=1000, per_model=5)
    market.advance()                        # day 1
    body = market.endpoints_body(0)         # bytes, as OpenRouter serves them

Everything it makes is synthetic: ids start ``synthetic-``.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from extractors.catalog import page_url
from extractors.openrouter import MODELS_URL, endpoints_url

DAY0 = datetime(2026, 1, 1, 2, tzinfo=UTC)
CATALOG_TEMPLATE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "catalog"
CATALOG_TEMPLATE /= "synthetic_catalog_page__dl.html"
PROVIDERS = (
    "Groq", "DeepInfra", "Together", "Fireworks", "Novita", "Google Vertex", "Amazon Bedrock", "Azure",
    "Cerebras", "SambaNova", "Lambda", "Nebius", "Parasail", "Chutes", "Baseten", "Hyperbolic", "Mistral",
    "Alibaba", "Moonshot AI", "Crusoe", "Cloudflare", "Friendli", "InferenceNet", "Kluster", "NCompass",
)  # fmt: skip
PARAMETERS = (
    "max_tokens", "temperature", "top_p", "stop", "frequency_penalty", "presence_penalty", "seed", "top_k",
    "repetition_penalty", "logit_bias", "logprobs", "top_logprobs", "response_format", "structured_outputs",
    "tools", "tool_choice", "reasoning", "include_reasoning", "min_p",
)  # fmt: skip
QUANTIZATIONS = ("fp8", "bf16", "fp4", "int8", "unknown")
TOKENS = (4096, 8192, 16384, 32768, 65536, 131072)
CHANGE_SHARE = 0.01  # endpoints changing an attribute per day
TURNOVER_SHARE = 0.001  # endpoints appearing, and as many disappearing, per day


@dataclass
class Endpoint:
    """One provider endpoint of a model: the attributes the drift moves."""

    provider: str
    tag: str
    context_length: int
    max_completion_tokens: int | None
    prompt_usd: float
    completion_usd: float
    quantization: str
    parameters: tuple[str, ...]
    implicit_caching: bool
    uptime_1d: float = 99.5
    uptime_30m: float = 99.8

    def as_json(self, model_id: str, model_name: str) -> dict[str, object]:
        """The endpoint as OpenRouter's ``PublicEndpoint`` (prices as decimal strings per token)."""
        return {
            "name": f"{self.provider} | {model_id}", "model_id": model_id, "model_name": model_name,
            "context_length": self.context_length,
            "pricing": {"prompt": f"{self.prompt_usd:.10f}".rstrip("0"),
                        "completion": f"{self.completion_usd:.10f}".rstrip("0"), "discount": 0},
            "provider_name": self.provider, "tag": self.tag, "quantization": self.quantization,
            "max_completion_tokens": self.max_completion_tokens, "max_prompt_tokens": None,
            "supported_parameters": list(self.parameters), "status": 0,
            "uptime_last_30m": round(self.uptime_30m, 4), "uptime_last_5m": 100.0,
            "uptime_last_1d": round(self.uptime_1d, 4), "supports_implicit_caching": self.implicit_caching,
        }  # fmt: skip


@dataclass
class Model:
    """A model and its endpoints (keyed by provider)."""

    id: str
    name: str
    context_length: int
    endpoints: dict[str, Endpoint] = field(default_factory=dict)


class Market:
    """``models`` x ``per_model`` endpoints on day 0; ``advance()`` moves it one day (deterministic for a seed)."""

    def __init__(self, models: int, per_model: int, seed: int = 7) -> None:
        self.seed = seed
        self.day = 0
        self._next_tag = 0
        rng = random.Random(f"{seed}:0")
        self.models = [self._new_model(rng, n, per_model) for n in range(models)]

    @property
    def fetched_at(self) -> datetime:
        """When today's payloads were fetched (02:00 UTC, day ``day`` after 2026-01-01)."""
        return DAY0 + timedelta(days=self.day)

    def endpoint_count(self) -> int:
        """Endpoints listed today."""
        return sum(len(m.endpoints) for m in self.models)

    def advance(self) -> None:
        """One day on: ~1% of endpoints change an attribute, uptime moves, a few endpoints come and go."""
        self.day += 1
        rng = random.Random(f"{self.seed}:{self.day}")
        every = [(m, key) for m in self.models for key in m.endpoints]
        for model, key in rng.sample(every, max(1, round(len(every) * CHANGE_SHARE))):
            model.endpoints[key] = _changed(rng, model.endpoints[key])
        for model in self.models:
            for endpoint in model.endpoints.values():
                endpoint.uptime_1d = min(100.0, max(80.0, endpoint.uptime_1d + rng.gauss(0, 0.3)))
                endpoint.uptime_30m = min(100.0, max(50.0, 99.0 + rng.gauss(0, 1.5)))
        turnover = max(1, round(len(every) * TURNOVER_SHARE))
        for model, key in rng.sample(every, turnover):
            model.endpoints.pop(key, None)
        for model in rng.sample(self.models, turnover):
            self._add_endpoint(rng, model)

    # -- payloads, as the sources serve them ------------------------------------------------------

    def models_body(self, *, from_endpoints: bool = False) -> bytes:
        """``GET /api/v1/models``: every model (a subset of the real ``Model`` fields).

        With ``from_endpoints``, a model's prices are its cheapest endpoint's and its top provider's
        max output its endpoints' largest, so the list drifts with them day by day as OpenRouter's
        does; otherwise every day's list is the same.
        """
        data = [
            {"id": m.id, "canonical_slug": m.id, "name": m.name, "created": 1767225600,
             "context_length": m.context_length,
             "architecture": {"modality": "text->text", "input_modalities": ["text"], "output_modalities": ["text"],
                              "tokenizer": "Other", "instruct_type": None},
             "pricing": _model_pricing(m) if from_endpoints else {"prompt": "0.0000001", "completion": "0.0000003"},
             "top_provider": {"context_length": m.context_length,
                              "max_completion_tokens": _top_output(m) if from_endpoints else 8192,
                              "is_moderated": False},
             "supported_parameters": list(PARAMETERS[:8])}
            for m in self.models
        ]  # fmt: skip
        return json.dumps({"data": data}).encode()

    def endpoints_body(self, n: int) -> bytes:
        """``GET /api/v1/models/{id}/endpoints`` of model ``n``."""
        model = self.models[n]
        endpoints = [e.as_json(model.id, model.name) for e in model.endpoints.values()]
        data = {"id": model.id, "name": model.name, "created": 1767225600, "description": f"{model.name}.",
                "architecture": {"tokenizer": "Other", "instruct_type": None, "modality": "text->text"},
                "endpoints": endpoints}  # fmt: skip
        return json.dumps({"data": data}).encode()

    def openrouter_payloads(self) -> Iterator[tuple[str, bytes]]:
        """Today's ``(url, body)`` of the model list and every endpoints page."""
        yield MODELS_URL, self.models_body()
        for n, model in enumerate(self.models):
            yield endpoints_url(model.id), self.endpoints_body(n)

    def catalog_slug(self, n: int) -> str:
        """Model ``n``'s catalog page slug."""
        return self.models[n].id.split("/", 1)[1]

    def catalog_page(self, n: int) -> bytes:
        """Model ``n``'s catalog page: the recorded ``dl`` markup with this model and its endpoints put in."""
        model = self.models[n]
        rows = "".join(
            f"<dt>{e.provider}</dt><dd><span>Max output:</span> "
            f"<span>{e.max_completion_tokens or e.context_length:,}</span> "
            f"<span>1d uptime:</span> <span>{e.uptime_1d:.1f}%</span> <span>Supported params:</span> "
            f"<span>{len(e.parameters)}</span> <span>Implicit caching:</span> "
            f"<span>{'Yes' if e.implicit_caching else 'No'}</span></dd>"
            for e in model.endpoints.values()
        )
        page = _catalog_template().replace("Llama 4 Scout", model.name)
        return _ENDPOINT_ROWS.sub(lambda m: m.group(1) + rows + m.group(2), page, count=1).encode()

    def catalog_url(self, n: int) -> str:
        """Model ``n``'s catalog page URL."""
        return page_url(self.catalog_slug(n))

    # -- building ---------------------------------------------------------------------------------

    def _new_model(self, rng: random.Random, n: int, per_model: int) -> Model:
        lab = f"synthetic-lab-{n % 60:02d}"
        model = Model(f"{lab}/synthetic-model-{n:06d}", f"Synthetic Model {n}", rng.choice(TOKENS[3:]))
        for _ in range(per_model):
            self._add_endpoint(rng, model)
        return model

    def _add_endpoint(self, rng: random.Random, model: Model) -> None:
        """A new endpoint on ``model`` from a provider not serving it yet (catalog pages key endpoints by provider)."""
        serving = {e.provider for e in model.endpoints.values()}
        free = [p for p in PROVIDERS if p not in serving]
        if not free:
            return
        provider = rng.choice(free)
        self._next_tag += 1
        prompt = rng.choice((0.05, 0.1, 0.15, 0.2, 0.5, 1.0, 3.0)) / 1e6
        model.endpoints[provider] = Endpoint(
            provider=provider,
            tag=f"{provider.lower().replace(' ', '-')}/{self._next_tag:x}",
            context_length=model.context_length,
            max_completion_tokens=rng.choice((*TOKENS, None)),
            prompt_usd=prompt,
            completion_usd=prompt * rng.choice((2, 3, 4)),
            quantization=rng.choice(QUANTIZATIONS),
            parameters=tuple(sorted(rng.sample(PARAMETERS, rng.randint(6, len(PARAMETERS))))),
            implicit_caching=rng.random() < 0.3,
            uptime_1d=rng.uniform(97, 100),
        )


def _model_pricing(model: Model) -> dict[str, str]:
    """The model's prices as its cheapest endpoint's (decimal strings per token); fixed ones with no endpoint."""
    if not model.endpoints:
        return {"prompt": "0.0000001", "completion": "0.0000003"}
    cheapest = min(model.endpoints.values(), key=lambda e: (e.prompt_usd, e.completion_usd))
    return {"prompt": f"{cheapest.prompt_usd:.10f}".rstrip("0"),
            "completion": f"{cheapest.completion_usd:.10f}".rstrip("0")}  # fmt: skip


def _top_output(model: Model) -> int:
    """The largest max output of the model's endpoints (8,192 when none says)."""
    return max((e.max_completion_tokens for e in model.endpoints.values() if e.max_completion_tokens), default=8192)


def _changed(rng: random.Random, endpoint: Endpoint) -> Endpoint:
    """The endpoint with one attribute changed, as a provider changes a setting."""
    what = rng.choice(("max_completion_tokens", "price", "context_length", "parameters", "quantization", "caching"))
    if what == "max_completion_tokens":
        options = [t for t in TOKENS if t != endpoint.max_completion_tokens]
        return replace(endpoint, max_completion_tokens=rng.choice(options))
    if what == "price":
        factor = rng.choice((0.5, 0.8, 1.25))
        prompt, completion = endpoint.prompt_usd * factor, endpoint.completion_usd * factor
        return replace(endpoint, prompt_usd=prompt, completion_usd=completion)
    if what == "context_length":
        return replace(endpoint, context_length=rng.choice([t for t in TOKENS if t != endpoint.context_length]))
    if what == "parameters":
        flipped = set(endpoint.parameters) ^ {rng.choice(PARAMETERS)}
        return replace(endpoint, parameters=tuple(sorted(flipped or {"max_tokens"})))
    if what == "quantization":
        return replace(endpoint, quantization=rng.choice([q for q in QUANTIZATIONS if q != endpoint.quantization]))
    return replace(endpoint, implicit_caching=not endpoint.implicit_caching)


_ENDPOINT_ROWS = re.compile(r"(<h2>Provider Endpoints</h2>.*?<dl>).*?(</dl>)", re.S)
_TEMPLATE: list[str] = []


def _catalog_template() -> str:
    if not _TEMPLATE:
        _TEMPLATE.append(CATALOG_TEMPLATE.read_text())
    return _TEMPLATE[0]
