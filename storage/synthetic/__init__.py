"""Cases written for demos, tests and benchmarks.

The deterministic demo story and the scalable synthetic network generator (with its worker
process).
"""
