"""TRL's GRPOTrainer on a Rankwise model: the folder loaded as is, and the remote
reward function against a live server. Both give the engine's own rewards."""

import pytest
from datasets import Dataset  # type: ignore[import-untyped]
from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel
from trl import GRPOConfig, GRPOTrainer

from rankwise_client import RankwiseError, RankwiseReward
from rankwise_client.reward import prompt_text
from tests.training.serving.conftest import SHIFT
from training.engine import RewardScorer
from training.engine.chat_template import chat_prompt_text
from training.services.registry import model_local_dir

CHATS = [
    [{"role": "user", "content": f"What is {i} plus {i}?"}] for i in range(4)
]  # fmt: skip
ANSWERS = ["It is 4.", "I do not know, go away.", "Four", "Let me think: it is four."]


@pytest.fixture(scope="module")
def tiny_policy(tmp_path_factory, reward_folder):
    """A random 2-layer GPT-2 built from a config, with the MiniLM tokenizer (and a
    one-line chat template) as its own: generates in milliseconds."""
    path = tmp_path_factory.mktemp("policy")
    tokenizer = AutoTokenizer.from_pretrained(reward_folder)
    tokenizer.eos_token = "[SEP]"
    tokenizer.chat_template = (
        "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
        "{% if add_generation_prompt %}assistant:{% endif %}"
    )
    config = GPT2Config(vocab_size=len(tokenizer), n_embd=32, n_layer=2, n_head=2, n_positions=64)
    config.pad_token_id, config.eos_token_id = tokenizer.pad_token_id, tokenizer.eos_token_id
    GPT2LMHeadModel(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return str(path)


def _trainer(policy, reward_funcs, out):
    args = GRPOConfig(
        output_dir=str(out),
        per_device_train_batch_size=4,
        num_generations=4,
        max_completion_length=8,
        max_steps=1,
        learning_rate=1e-4,
        logging_steps=1,
        report_to=[],
        use_cpu=True,
        bf16=False,
        save_strategy="no",
    )
    data = Dataset.from_list([{"prompt": chat} for chat in CHATS])
    return GRPOTrainer(model=policy, reward_funcs=reward_funcs, args=args, train_dataset=data)


def _engine_rewards(folder, prompts, completions):
    scorer = RewardScorer(folder, device="cpu", precision="fp32")
    return [scorer.score(p, [c])[0] for p, c in zip(prompts, completions, strict=True)]


@pytest.mark.django_db
def test_grpo_loads_the_registered_folder_as_is_and_gets_the_engines_rewards(
    models, tiny_policy, tmp_path
):
    folder = str(model_local_dir(models[0]))  # the registry's copy, untouched
    trainer = _trainer(tiny_policy, folder, tmp_path)
    completions = [[{"role": "assistant", "content": a}] for a in ANSWERS]
    got = trainer._calculate_rewards([{}] * 4, CHATS, completions, [[]] * 4)[:, 0].tolist()
    prompts = [chat_prompt_text(chat) for chat in CHATS]
    assert got == pytest.approx(_engine_rewards(folder, prompts, ANSWERS), abs=1e-4)
    trainer.train()
    assert trainer.state.global_step == 1
    logged = {k for entry in trainer.state.log_history for k in entry}
    assert any(k.startswith("rewards/") for k in logged)


def test_a_chat_prompt_is_sent_as_the_text_rankwise_trains_on():
    assert prompt_text(CHATS[0]) == chat_prompt_text(CHATS[0]) == "user: What is 0 plus 0?"
    assert prompt_text("plain") == "plain"


@pytest.mark.django_db(transaction=True)
def test_the_remote_reward_function_gets_the_engines_rewards_in_a_grpo_step(
    live_server, project, models, researcher_token, tiny_policy, reward_folder, tmp_path
):
    reward = RankwiseReward(live_server.url, researcher_token, project.pk)
    plain = [chat_prompt_text(chat) for chat in CHATS]
    expected = _engine_rewards(reward_folder, plain, ANSWERS)
    assert reward(prompts=plain, completions=ANSWERS) == pytest.approx(expected, abs=1e-5)
    chat_completions = [[{"role": "assistant", "content": a}] for a in ANSWERS]
    assert reward(CHATS, chat_completions, trainer_state=None) == pytest.approx(expected, abs=1e-5)
    assert reward.last_model_version == 1

    pinned = RankwiseReward(live_server.url, researcher_token, project.pk, model=models[1].pk)
    shifted = pinned(prompts=plain, completions=ANSWERS)
    assert shifted == pytest.approx([e + SHIFT for e in expected], abs=1e-4)

    trainer = _trainer(tiny_policy, [reward], tmp_path)
    trainer.train()
    assert trainer.state.global_step == 1
    assert any("rewards/rankwise" in k for entry in trainer.state.log_history for k in entry)


@pytest.mark.django_db(transaction=True)
def test_the_remote_reward_function_says_why_the_server_refused(live_server, project, models):
    reward = RankwiseReward(live_server.url, "wrong-token", project.pk, retries=0)
    with pytest.raises(RankwiseError, match="401"):
        reward(prompts=["p"], completions=["c"])


def test_the_remote_reward_function_reports_a_server_that_is_down():
    reward = RankwiseReward("http://127.0.0.1:9", "token", 1, retries=1, timeout=2)
    with pytest.raises(RankwiseError, match=r"127\.0\.0\.1:9"):
        reward(prompts=["p"], completions=["c"])
