"""The pipeline's settings: Celery and its beat schedule, the training and scoring workers,
evaluation, generation. (Django and the web tier: ``base.py``.)"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from config import env
from config.settings.base import DATA_DIR, REDIS_URL, SECRET_KEY, TIME_ZONE


def _beat_and_stall(stage: str, beat: int, stall: int) -> tuple[int, int]:
    """RANKWISE_<stage>_HEARTBEAT_SECONDS, how often a worker says it is alive, and
    RANKWISE_<stage>_STALL_SECONDS, the silence after which it counts as lost: more than
    two beats, so one late beat is not a lost worker."""
    beat = env.integer(f"RANKWISE_{stage}_HEARTBEAT_SECONDS", beat, minimum=1)
    stall = env.integer(f"RANKWISE_{stage}_STALL_SECONDS", stall, minimum=2)
    if stall <= 2 * beat:
        raise ImproperlyConfigured(
            f"RANKWISE_{stage}_STALL_SECONDS must exceed twice RANKWISE_{stage}_HEARTBEAT_SECONDS."
        )
    return beat, stall


# --- Celery -----------------------------------------------------------------
CELERY_BROKER_URL = (
    env.string("CELERY_BROKER_URL") or REDIS_URL or f"sqla+sqlite:///{DATA_DIR / 'broker.sqlite3'}"
)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_BACKEND = None  # task outcomes live in Rankwise's own tables
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_SOFT_TIME_LIMIT = env.integer("CELERY_TASK_SOFT_TIME_LIMIT", 15 * 60, minimum=1)
CELERY_TASK_TIME_LIMIT = env.integer("CELERY_TASK_TIME_LIMIT", 20 * 60, minimum=1)
if CELERY_TASK_TIME_LIMIT <= CELERY_TASK_SOFT_TIME_LIMIT:
    raise ImproperlyConfigured(
        "CELERY_TASK_TIME_LIMIT must be greater than CELERY_TASK_SOFT_TIME_LIMIT "
        f"({CELERY_TASK_TIME_LIMIT} <= {CELERY_TASK_SOFT_TIME_LIMIT})."
    )
# A task is acknowledged only once it finished, so a killed worker's task is redelivered.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
# The tasks that need the model (and a GPU where there is one) go to the training workers.
CELERY_TASK_ROUTES = {
    "training.tasks.training_run_execute": {"queue": "training"},
    "training.tasks.model_feedback_refresh": {"queue": "training"},
    "training.tasks.evaluation_execute": {"queue": "training"},
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# How often beat turns new rankings into pairs and refreshes the consensus.
PIPELINE_EVERY_SECONDS = float(env.integer("RANKWISE_PAIRS_EVERY_SECONDS", 300, minimum=10))
CELERY_BEAT_SCHEDULE = {
    "expire-leases": {"task": "annotation.tasks.leases_expire", "schedule": 60.0},
    "update-consensus": {
        "task": "preferences.tasks.consensus_update_all",
        "schedule": PIPELINE_EVERY_SECONDS,
    },
    "expand-pairs": {
        "task": "preferences.tasks.pairs_expand_all",
        "schedule": PIPELINE_EVERY_SECONDS,
    },
    # Versions whose build died with its worker (or whose task was lost) turn failed.
    "fail-stale-dataset-builds": {
        "task": "dataset_versions.tasks.dataset_versions_fail_stale",
        "schedule": 600.0,
    },
    # Import jobs whose worker died turn failed (their transaction rolled back).
    "fail-orphaned-import-jobs": {
        "task": "annotation.tasks.import_jobs_fail_orphaned",
        "schedule": 60.0,
    },
    "clear-expired-sessions": {
        "task": "projects.tasks.sessions_clear_expired",
        "schedule": 6 * 3600.0,
    },
    "check-training-runs": {"task": "training.tasks.training_runs_check", "schedule": 30.0},
    # Generation jobs whose worker died are resumed (a bounded number of times), queued
    # jobs whose message was lost are sent again.
    "check-generation-jobs": {"task": "generation.tasks.generation_jobs_check", "schedule": 30.0},
    "retrain-due-projects": {
        "task": "training.tasks.training_retrain_due",
        "schedule": PIPELINE_EVERY_SECONDS,
    },
}
CELERY_TIMEZONE = TIME_ZONE

# --- training -----------------------------------------------------------------
# A worker beats this often while it trains; silent for TRAINING_STALL_SECONDS, its run
# is marked stalled (resumable from its last checkpoint).
TRAINING_HEARTBEAT_SECONDS, TRAINING_STALL_SECONDS = _beat_and_stall("TRAINING", 10, 120)
TRAINING_CHECKPOINT_EVERY = env.integer("RANKWISE_TRAINING_CHECKPOINT_EVERY", 50, minimum=1)
TRAINING_SCORING_DEVICE = env.string("RANKWISE_SCORING_DEVICE", "cpu") or "cpu"
TRAINING_SCORERS_PER_PROCESS = env.integer("RANKWISE_SCORERS_PER_PROCESS", 2, minimum=1)
# Scoring at RL speed (training/serving): concurrent requests share forward passes. A pass
# takes what is queued, waiting at most SCORING_MAX_WAIT_MS for more and never holding more
# than SCORING_BATCH_TOKENS tokens (also each forward chunk's size). "auto" precision: bf16
# on GPUs and on CPUs where it measures faster.
TRAINING_SCORING_BATCH_TOKENS = env.integer("RANKWISE_SCORING_BATCH_TOKENS", 16384, minimum=64)
TRAINING_SCORING_MAX_WAIT_MS = env.integer("RANKWISE_SCORING_MAX_WAIT_MS", 2, minimum=0)
TRAINING_SCORING_PRECISION = env.choice(
    "RANKWISE_SCORING_PRECISION", "auto", ("auto", "bf16", "fp32")
)
# A request still waiting for its rewards after this long is a 503 (the caller retries).
TRAINING_SCORING_TIMEOUT_SECONDS = env.integer("RANKWISE_SCORING_TIMEOUT_SECONDS", 120, minimum=1)
# Most queries one remote-reward request (OpenRLHF's protocol) may carry.
TRAINING_REWARD_MAX_QUERIES = env.integer("RANKWISE_REWARD_MAX_QUERIES", 4096, minimum=1)
# Queued + running runs a project may have at once; a new run or a resume beyond it is a 409.
TRAINING_MAX_ACTIVE_RUNS_PER_PROJECT = env.integer(
    "RANKWISE_MAX_ACTIVE_RUNS_PER_PROJECT", 3, minimum=1
)
# The backbones a run may name besides "default" and "model:<n>": the subfolders of a
# models folder, and name=path pairs (training/services/backbones.py). Nothing else: a
# free path would let a researcher train from any file the server can read.
TRAINING_BACKBONES_DIR = env.directory("RANKWISE_BACKBONES_DIR")
TRAINING_BACKBONES = env.named_directories("RANKWISE_BACKBONES")
if "default" in TRAINING_BACKBONES:
    raise ImproperlyConfigured("RANKWISE_BACKBONES: 'default' names the packaged MiniLM.")
# Evaluation sets: the most items one set may hold (each model version scores them all,
# and keeps every reward for the regression intervals), and how many items an evaluation
# scores between two progress writes.
EVALUATION_MAX_ITEMS = env.integer("RANKWISE_MAX_EVALUATION_ITEMS", 20_000, minimum=1)
EVALUATION_CHUNK_ITEMS = env.integer("RANKWISE_EVALUATION_CHUNK_ITEMS", 256, minimum=1)

# --- generation -------------------------------------------------------------
# API keys that generators store are encrypted with a key derived from this secret
# (default: SECRET_KEY). Changing it makes stored keys unreadable: re-enter them.
GENERATION_SECRET = env.string("RANKWISE_GENERATOR_SECRET", None) or SECRET_KEY
# The local Hugging Face causal LMs a local generator may name (name=path pairs), like
# RANKWISE_BACKBONES: never a free path.
GENERATION_LOCAL_MODELS = env.named_directories("RANKWISE_GENERATOR_MODELS")
# The hosts OpenAI-compatible generators may reach, comma-separated: names (vllm,
# *.example.com), addresses and networks (10.0.0.0/8). Empty: any host. Link-local addresses
# (cloud metadata services) are refused unless named here (generation/engine/hosts.py).
GENERATION_HOSTS = env.string_list("RANKWISE_GENERATOR_HOSTS", [])
# Tries per request (the first included) on 429, 5xx, timeouts and dropped connections,
# and the first wait between them (doubling, with jitter, up to 30 s).
GENERATION_ATTEMPTS = env.integer("RANKWISE_GENERATION_ATTEMPTS", 5, minimum=1)
GENERATION_BACKOFF_MS = env.integer("RANKWISE_GENERATION_BACKOFF_MS", 1000, minimum=0)
# A running job beats this often; silent for GENERATION_STALL_SECONDS it is stalled (beat
# resumes it, see GENERATION_MAX_WORKER_LOSSES).
GENERATION_HEARTBEAT_SECONDS, GENERATION_STALL_SECONDS = _beat_and_stall("GENERATION", 5, 60)
# A stalled job (its worker lost) is resumed by beat this many times; the next loss fails
# it, so a job that kills its worker (a local model out of memory) does not loop forever.
GENERATION_MAX_WORKER_LOSSES = env.integer("RANKWISE_GENERATION_MAX_WORKER_LOSSES", 3, minimum=0)
