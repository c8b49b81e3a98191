"""Reward scoring at RL speed: dynamic batching (``batcher``, no Django) and a scoring
server that runs apart from the web tier (``wsgi``, ``python -m training.serving``)."""
