"""The Fargate cost estimate (pure) and the one rate table it reads."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from passecs.runbook import cost

TABLE = Path(cost.__file__).resolve().parent.parent / "data" / "fargate-prices.json"


def test_the_rate_table_is_one_dated_sourced_file_shipped_with_the_package() -> None:
    document = json.loads(TABLE.read_text(encoding="utf-8"))
    assert document["date"] and document["source"].startswith("https://aws.amazon.com/fargate/pricing/")
    assert document["currency"] == "USD"
    assert document["regions"]["us-east-1"] == {"vcpu_hour": "0.04048", "gb_hour": "0.004445"}
    rates = cost.load_rates()
    assert rates.date == document["date"] and set(rates.regions) == set(document["regions"])


def test_pass_in_us_east_1_as_the_issue_works_it_out() -> None:
    # 1 vCPU and 8 GB: $0.04048 + 8 x $0.004445 = $0.07604 an hour, x 720 = $54.75 for 30 days
    e = cost.estimate("1024", "8GB", "us-east-1")
    assert e.per_hour == Decimal("0.07604")
    assert e.per_30_days == Decimal("54.74880")
    line = cost.render(e)
    assert line.startswith("cost: 1 vCPU, 8 GB in us-east-1 (Fargate on-demand, Linux/x86):")
    assert "about $0.076 an hour, $54.75 for 30 days" in line
    figures = e.to_json()
    assert figures["per_hour"] == 0.07604 and figures["per_30_days"] == 54.75
    assert figures["vcpu"] == 1 and figures["memory_gb"] == 8 and figures["region"] == "us-east-1"
    assert figures["vcpu_hour"] == 0.04048 and figures["gb_hour"] == 0.004445 and figures["reason"] is None


@pytest.mark.parametrize(
    ("cpu", "memory", "hour", "days"),
    [
        ("1 vCPU", "8192", "$0.076", "$54.75"),  # the other spellings ECS accepts
        ("256", "512", "$0.012", "$8.89"),  # 0.25 vCPU, 0.5 GB
        ("4096", "30GB", "$0.295", "$212.59"),  # 4 x 0.04048 + 30 x 0.004445 = 0.29527
    ],
)
def test_other_sizes(cpu: str, memory: str, hour: str, days: str) -> None:
    line = cost.render(cost.estimate(cpu, memory, "us-east-1"))
    assert f"about {hour} an hour, {days} for 30 days" in line


def test_an_unknown_region_says_so_rather_than_guessing() -> None:
    e = cost.estimate("1024", "8GB", "xx-nowhere-1")
    assert e.per_hour is None and e.to_json()["per_hour"] is None and e.to_json()["per_30_days"] is None
    assert cost.render(e) == (
        "cost: no estimate: no Fargate rates for region xx-nowhere-1 in passecs's table (rates known for: us-east-1)"
    )


def test_no_task_size_no_region_or_not_fargate() -> None:
    assert "no task size in ecs-params.yml" in cost.render(cost.estimate(None, "8GB", "us-east-1"))
    assert "no region" in cost.render(cost.estimate("1024", "8GB", None))
    assert "launch type EC2: Fargate rates do not apply" in cost.render(
        cost.estimate("1024", "8GB", "us-east-1", launch_type="EC2")
    )


def test_a_rate_table_is_data_not_code() -> None:
    rates = cost.parse_rates(
        {"date": "2030-01", "source": "s", "currency": "USD", "regions": {"r-1": {"vcpu_hour": 1, "gb_hour": "0.5"}}}
    )
    e = cost.estimate("2048", "4GB", "r-1", rates=rates)
    assert e.per_hour == Decimal("4.0") and e.rates_date == "2030-01"
