"""Evaluation sets: held-out pairs or rankings that every model version of a project is
scored on (``metrics`` and ``regression`` are plain maths, no Django)."""
