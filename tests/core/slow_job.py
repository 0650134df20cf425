"""A job handler for tests/core/test_serve.py, imported by the real worker process it starts."""

import time

from fupin.core import jobs


@jobs.handler
def sleep_job(job: jobs.JobContext, *, seconds: float) -> dict:
    for second in range(int(seconds)):
        job.progress("等待", second)
        time.sleep(1)
    return {}
