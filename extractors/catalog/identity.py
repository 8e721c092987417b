"""How a catalog page's slug names a model: itself, and itself without a serving provider's suffix."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from transforms.units import slug

PROVIDER_SUFFIXES = frozenset(
    {
        "groq", "deepinfra", "together", "fireworks", "novita", "google", "vertex", "bedrock", "azure",
        "openai", "anthropic", "mistral", "cerebras", "sambanova", "hyperbolic", "nebius", "lambda",
        "cloudflare", "replicate", "perplexity", "cohere", "xai", "deepseek", "parasail", "baseten",
    }
)  # fmt: skip
"""Serving providers whose name catalog slugs may end with, besides those the page itself lists."""


def identity_names(key: str, facts: Mapping[str, Any]) -> list[tuple[object, str]]:
    """The page slug, then the slug without its longest serving-provider suffix
    (``llama-4-scout-17b-16e-instruct-groq`` -> ``llama-4-scout-17b-16e-instruct``)."""
    found: list[tuple[object, str]] = [(key, "normalized slug")]
    listed = facts.get("api_providers")
    providers = {slug(p) for p in ([] if listed is None else list(listed)) if isinstance(p, str)} | PROVIDER_SUFFIXES
    for provider in sorted(providers, key=len, reverse=True):
        if provider and key.lower().endswith(f"-{provider}") and len(key) > len(provider) + 1:
            found.append((key[: -len(provider) - 1], f"catalog slug without provider suffix -{provider}"))
            break
    return found
