"""Demo models for Quantscope, traced by tools/quantscope-trace (see docs/tracer.md)."""
