"""Candidate generation without Django: the OpenAI-compatible client, the asyncio
orchestration of many requests, the local Hugging Face path and the model leaderboard's
Bradley-Terry maths. Plain data in, plain data out (generation.services adapts)."""
