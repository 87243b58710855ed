"""Benchmark and evaluation scripts that print figures (docs/evaluation/README.md).

Run them from the project root as modules, e.g. `.venv/bin/python -m bench.eval_photos --corpus
$CORPUS/faces`, where CORPUS is the labelled corpus (read-only, outside the repository).
"""
