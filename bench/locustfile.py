"""Locust users for bench/bench_load.py: each signs in as the demo's town office (or FUPIN_LOAD_USER)
and reads the pages an office uses all day."""

from __future__ import annotations

import os
import random

from locust import HttpUser, between, task

USER = os.environ.get("FUPIN_LOAD_USER", "demo_town")
PASSWORD = os.environ.get("FUPIN_LOAD_PASSWORD", "Xingzi-2016")
NAMES = ["张", "李", "王", "陈", "黄"]


class Office(HttpUser):
    wait_time = between(0.5, 2)

    def on_start(self) -> None:
        self.client.get("/accounts/login/", name="login page")
        token = self.client.cookies.get("csrftoken", "")
        self.client.post(
            "/accounts/login/",
            {"username": USER, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": self.host + "/accounts/login/"},
            name="login",
        )

    @task(5)
    def household_list(self) -> None:
        self.client.get("/households/", name="/households/")

    @task(3)
    def search(self) -> None:
        self.client.get("/households/", params={"q": random.choice(NAMES)}, name="/households/?q=<name>")

    @task(2)
    def villages(self) -> None:
        self.client.get("/villages/", name="/villages/")

    @task(1)
    def village_table(self) -> None:
        self.client.get("/policy/villages/", name="/policy/villages/")

    @task(1)
    def targets(self) -> None:
        self.client.get("/policy/targets/", name="/policy/targets/")

    @task(2)
    def api(self) -> None:
        self.client.get("/api/v1/households/", name="/api/v1/households/")
