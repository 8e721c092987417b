"""Stand-ins for the outside world, for the demo, the tests and the benchmarks: a loopback HTTP
mirror of recorded payloads (``mirror``) and the named faults it can inject (``faults``).
Nothing in a sync, import or backfill imports them."""
