"""Job kinds of the gateway.

``gateway.bench_text`` is a TEST AND BENCHMARK kind, not a product feature: each item asks the
gateway for product copy (task ``copy.generate``, through the workspace's route, with usage
rows and everything else a real call has). ``bench/gateway_throughput.py`` uses it to measure
the whole path. Payload keys (or job ``params`` for every item):

* ``title``: the product's title (default: the item's key), so every item is a distinct request;
* ``latency_ms``: latency injected into the local provider (0 to 60,000 ms);
* ``cache``: whether identical requests may be served from the cache (default false).
"""

from typing import Any

from apps.core.errors import ServiceError
from apps.gateway.services import gateway_generate_text
from apps.gateway.types import TaskKind, TextRequest
from apps.jobs.models import Job, JobItem
from apps.jobs.registry import register_job_kind
from apps.workspaces.models import Workspace

BENCH_TEXT_KIND = "gateway.bench_text"
MAX_BENCH_LATENCY_MS = 60_000


def bench_text(workspace: Workspace, job: Job, item: JobItem) -> dict[str, Any]:
    options = {**job.params, **item.payload}
    latency_ms = options.get("latency_ms", 0)
    if not isinstance(latency_ms, int) or not 0 <= latency_ms <= MAX_BENCH_LATENCY_MS:
        raise ServiceError(
            f"latency_ms must be a whole number of milliseconds from 0 to "
            f"{MAX_BENCH_LATENCY_MS}, not {latency_ms!r}."
        )
    prompt = options.get("prompt", "Write a product description for the online shop.")
    title = str(options.get("title") or item.key)
    request = TextRequest.from_prompt(
        f"{prompt}\nProduct: {title}\nType: {options.get('product_type', 'Shirt')}",
        latency_ms=latency_ms,
        cache=bool(options.get("cache", False)),
    )
    result = gateway_generate_text(
        workspace=workspace, actor=job.created_by, task=TaskKind.COPY_GENERATE, request=request
    )
    usage_id = result.provenance.usage_id if result.provenance else None
    return {"usage_id": usage_id, "chars": len(result.text)}


register_job_kind(BENCH_TEXT_KIND, bench_text, label="Benchmark: generate copy (test kind)")
