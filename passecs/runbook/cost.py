"""What a running task costs: Fargate on-demand, Linux/x86, per hour and per 30 days (pure).

The rates live in ONE file, ``passecs/data/fargate-prices.json`` (with their date and source); a region
that file does not list gets no estimate, and says so, rather than a guess. The task size is ecs-params.yml's
``task_size`` (``cpu_limit``/``mem_limit``), read by the parsers ``doctor`` uses.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

PRICES_FILE = Path(__file__).resolve().parent.parent / "data" / "fargate-prices.json"
HOURS_IN_30_DAYS = 720


@dataclass(frozen=True)
class Rates:
    date: str
    source: str
    currency: str
    regions: Mapping[str, tuple[Decimal, Decimal]]  # region -> (per vCPU-hour, per GB-hour)


def parse_rates(document: Mapping[str, Any]) -> Rates:
    regions = {
        str(name): (Decimal(str(r["vcpu_hour"])), Decimal(str(r["gb_hour"])))
        for name, r in (document.get("regions") or {}).items()
    }
    return Rates(str(document.get("date", "")), str(document.get("source", "")), str(document["currency"]), regions)


@cache
def load_rates(path: Path = PRICES_FILE) -> Rates:
    return parse_rates(json.loads(path.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Estimate:
    region: str | None
    vcpu: Decimal | None  # None: the task size is not known
    memory_gb: Decimal | None
    per_hour: Decimal | None = None  # None: no estimate (see ``reason``)
    vcpu_hour: Decimal | None = None
    gb_hour: Decimal | None = None
    currency: str = "USD"
    rates_date: str = ""
    source: str = ""
    reason: str = ""  # why there is no estimate

    @property
    def per_30_days(self) -> Decimal | None:
        return None if self.per_hour is None else self.per_hour * HOURS_IN_30_DAYS

    def to_json(self) -> dict[str, Any]:
        def number(value: Decimal | None) -> float | None:
            return None if value is None else float(value)

        per_30 = self.per_30_days
        return {
            "region": self.region,
            "vcpu": number(self.vcpu),
            "memory_gb": number(self.memory_gb),
            "pricing": "Fargate on-demand, Linux/x86",
            "currency": self.currency,
            "vcpu_hour": number(self.vcpu_hour),
            "gb_hour": number(self.gb_hour),
            "per_hour": number(self.per_hour),
            "per_30_days": number(per_30.quantize(Decimal("0.01"), ROUND_HALF_UP)) if per_30 is not None else None,
            "rates_date": self.rates_date,
            "source": self.source,
            "reason": self.reason or None,
        }


def task_size(cpu_limit: str | None, mem_limit: str | None) -> tuple[Decimal | None, Decimal | None]:
    """vCPU and GB from ecs-params.yml's ``cpu_limit``/``mem_limit`` (``1024``/``"1 vCPU"``, ``8GB``/``8192``)."""
    from passecs.checks.doctor import parse_task_cpu, parse_task_memory

    cpu = parse_task_cpu(cpu_limit)
    memory = parse_task_memory(mem_limit)
    return (
        None if cpu is None else Decimal(cpu) / 1024,
        None if memory is None else Decimal(memory) / 1024,
    )


def estimate(
    cpu_limit: str | None,
    mem_limit: str | None,
    region: str | None,
    *,
    launch_type: str | None = "FARGATE",
    rates: Rates | None = None,
) -> Estimate:
    """The estimate for one task of this size in ``region`` (no estimate, with the reason, when it cannot be)."""
    rates = rates or load_rates()
    vcpu, gb = task_size(cpu_limit, mem_limit)
    base = Estimate(region, vcpu, gb, currency=rates.currency, rates_date=rates.date, source=rates.source)
    if launch_type and launch_type.upper() != "FARGATE":
        return _without(base, f"launch type {launch_type}: Fargate rates do not apply")
    if vcpu is None or gb is None:
        return _without(base, "no task size in ecs-params.yml (task_definition.task_size cpu_limit and mem_limit)")
    if not region:
        return _without(base, "no region in the cluster configuration")
    if region not in rates.regions:
        known = ", ".join(sorted(rates.regions))
        return _without(base, f"no Fargate rates for region {region} in passecs's table (rates known for: {known})")
    vcpu_hour, gb_hour = rates.regions[region]
    return Estimate(
        region,
        vcpu,
        gb,
        per_hour=vcpu * vcpu_hour + gb * gb_hour,
        vcpu_hour=vcpu_hour,
        gb_hour=gb_hour,
        currency=rates.currency,
        rates_date=rates.date,
        source=rates.source,
    )


def _without(base: Estimate, reason: str) -> Estimate:
    return Estimate(
        base.region, base.vcpu, base.memory_gb, currency=base.currency, rates_date=base.rates_date,
        source=base.source, reason=reason,
    )  # fmt: skip


def _amount(value: Decimal, places: str) -> str:
    return f"${value.quantize(Decimal(places), ROUND_HALF_UP)}"


def _size(value: Decimal) -> str:
    return f"{value.normalize():f}"


def render(e: Estimate) -> str:
    """One line: ``cost: 1 vCPU, 8 GB in us-east-1 (Fargate on-demand, Linux/x86): about $0.076 an hour, ...``."""
    if e.per_hour is None or e.vcpu is None or e.memory_gb is None:
        return f"cost: no estimate: {e.reason}"
    per_30 = e.per_30_days
    assert per_30 is not None
    return (
        f"cost: {_size(e.vcpu)} vCPU, {_size(e.memory_gb)} GB in {e.region} (Fargate on-demand, Linux/x86): "
        f"about {_amount(e.per_hour, '0.001')} an hour, {_amount(per_30, '0.01')} for 30 days "
        f"(${e.vcpu_hour} per vCPU-hour + ${e.gb_hour} per GB-hour, rates of {e.rates_date})"
    )
