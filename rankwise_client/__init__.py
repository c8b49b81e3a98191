"""Rankwise rewards for RL trainers, with nothing but the standard library (no Django,
no torch): ``GRPOTrainer(reward_funcs=[RankwiseReward(url, token, project)])``."""

from rankwise_client.reward import RankwiseError, RankwiseReward

__all__ = ["RankwiseError", "RankwiseReward"]
