import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("rankwise")
app.config_from_object("django.conf:settings", namespace="CELERY")
# GPU workers consume only "training" (celery -A config worker -Q training); generation
# jobs with a local model go to "generation", which a GPU worker may consume as well.
app.conf.task_queues = (Queue("default"), Queue("training"), Queue("generation"))
app.autodiscover_tasks()
