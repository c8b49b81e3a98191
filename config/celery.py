import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("rankwise")
app.config_from_object("django.conf:settings", namespace="CELERY")
# GPU workers consume only "training" (celery -A config worker -Q training).
app.conf.task_queues = (Queue("default"), Queue("training"))
app.autodiscover_tasks()
