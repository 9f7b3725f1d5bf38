"""How one gateway call runs: route → (cool-down, cache, limits) → attempts → usage rows.

For each entry of the workspace's route, in order and each at most once:

1. skip it if it cannot do the operation or is cooling down after repeated failures;
2. serve an identical recent request from the cache (recorded as a cached usage row, cost 0);
3. take a concurrency slot for the workspace and for the model (and a request-per-minute
   token, when limits are set), waiting within the call's deadline;
4. call the provider; a failure is classified (errors.POLICIES): RETRY waits with exponential
   backoff and jitter (at least Retry-After) and tries the same entry again, up to
   GATEWAY_MAX_RETRIES times, then falls back; FALLBACK moves to the next entry; FAIL stops.

Every attempt writes one UsageRecord, failures included. The whole call has one deadline
(GATEWAY_CALL_DEADLINE_SECONDS); each attempt's timeout is what is left of it, at most
GATEWAY_ATTEMPT_TIMEOUT_SECONDS. Usage rows are written as the call goes: call the gateway
outside a long transaction, or a rollback will also erase the record of real provider calls.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings

from apps.core.errors import ServiceError
from apps.gateway import limits
from apps.gateway.errors import (
    HEALTH_ERRORS,
    ErrorClass,
    GatewayError,
    Policy,
    ProviderError,
    scrub,
)
from apps.gateway.limits import keys as limit_keys
from apps.gateway.models import Outcome, UsageRecord
from apps.gateway.pricing import cost_of
from apps.gateway.providers import ProviderConfig, build_provider
from apps.gateway.selectors import RouteStep, provider_config, route_steps_cached
from apps.gateway.types import (
    Capability,
    GatewayRequest,
    Provenance,
    TaskKind,
    TokenUsage,
    stable_hash,
)

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.workspaces.models import Workspace

logger = logging.getLogger("apps.gateway")


# Indirection so tests can watch the waits instead of sleeping through them.
sleep = time.sleep
monotonic = time.monotonic


@dataclass(frozen=True)
class Operation:
    name: str
    capability: str
    method: str
    verb: str  # for messages: "Could not {verb}"
    cacheable: bool = True
    fallback: bool = True


OPERATIONS = {
    op.name: op
    for op in (
        Operation("text", Capability.TEXT, "generate_text", "generate text"),
        Operation("embed", Capability.EMBED, "embed", "compute embeddings"),
        Operation("image_edit", Capability.IMAGE_EDIT, "edit_image", "edit the image"),
        Operation(
            "image_generate", Capability.IMAGE_GENERATE, "generate_image", "generate an image"
        ),
        # A file and the job that uses it must stay with one provider: no fallback, no cache.
        Operation(
            "fine_tune_file",
            Capability.FINE_TUNE,
            "upload_fine_tune_file",
            "upload the training file",
            cacheable=False,
            fallback=False,
        ),
        Operation(
            "fine_tune_job",
            Capability.FINE_TUNE,
            "start_fine_tune",
            "start fine-tuning",
            cacheable=False,
            fallback=False,
        ),
        Operation(
            "fine_tune_status",
            Capability.FINE_TUNE,
            "get_fine_tune",
            "read the fine-tuning job",
            cacheable=False,
            fallback=False,
        ),
    )
}


def forced_error(step: RouteStep) -> str:
    """The error class the demo/test switch forces on this entry, if any."""
    if step.force_error:
        return step.force_error
    forced = getattr(settings, "GATEWAY_FORCE_ERRORS", None) or {}
    return forced.get(f"{step.provider}:{step.model}") or forced.get(step.provider) or ""


def backoff_delay(retry: int, retry_after: float | None) -> float:
    """Exponential backoff with jitter; never shorter than the provider's Retry-After."""
    base = settings.GATEWAY_BACKOFF_BASE_SECONDS * (2**retry)
    delay = min(settings.GATEWAY_BACKOFF_MAX_SECONDS, base)
    delay = delay / 2 + random.uniform(0, delay / 2)  # "equal jitter": spread, keep a floor
    if retry_after is not None:
        delay = max(delay, retry_after * random.uniform(1.0, 1.1))
    return delay


class Call:
    """One gateway call: the state shared by its attempts."""

    def __init__(
        self,
        *,
        workspace: Workspace,
        actor: User | None,
        task: str,
        operation: Operation,
        request: GatewayRequest,
        deadline_seconds: float | None = None,
    ) -> None:
        self.workspace = workspace
        self.actor = actor if getattr(actor, "pk", None) else None
        self.task = TaskKind(task).value
        self.operation = operation
        self.request = request
        self.call_id = uuid.uuid4()
        self.prompt_hash = stable_hash({"op": operation.name, "request": request.cache_identity()})
        self.started = monotonic()
        self.deadline_seconds = deadline_seconds or settings.GATEWAY_CALL_DEADLINE_SECONDS
        self.deadline = self.started + self.deadline_seconds
        self.notes: list[str] = []
        self.attempts = 0
        self.last_error: ProviderError | None = None

    @property
    def remaining(self) -> float:
        return self.deadline - monotonic()

    # --- recording -----------------------------------------------------------------------------

    def record(
        self,
        step: RouteStep,
        *,
        attempt: int,
        latency: float,
        result: Any = None,
        error: ProviderError | None = None,
        cached: bool = False,
    ) -> UsageRecord:
        usage = getattr(result, "usage", None)
        if cached or usage is None:
            usage = TokenUsage()  # a cache hit spends nothing; a failure billed nothing
        cost = cost_of(step.price, usage)  # None for an unpriced model, even at zero tokens
        return UsageRecord.objects.create(
            workspace=self.workspace,
            call_id=self.call_id,
            user=self.actor,
            task=self.task,
            operation=self.operation.name,
            route_entry_id=step.route_entry_id,
            route_position=step.position,
            provider=step.provider,
            model_name=step.model,
            model_id=step.model_id,
            price_id=step.price.price_id if step.price else None,
            attempt=attempt,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cached_input_tokens=usage.cached_input_tokens,
            images=usage.images,
            cost=cost,
            latency_ms=max(0, round(latency * 1000)),
            outcome=Outcome.ERROR if error else Outcome.SUCCESS,
            error_class=error.error_class if error else "",
            error_message=(error.message if error else "")[:500],
            cached=cached,
            prompt_hash=self.prompt_hash,
        )

    def finish(self, step: RouteStep, result: Any, usage_row: UsageRecord, *, cached: bool) -> Any:
        provenance = Provenance(
            call_id=str(self.call_id),
            task=self.task,
            provider=step.provider,
            model=step.model,
            route_entry_id=step.route_entry_id,
            route_position=step.position,
            prompt_hash=self.prompt_hash,
            parameters=self.request.parameters(),
            usage_id=usage_row.pk,
            cached=cached,
        )
        return dataclasses.replace(
            result, provider=step.provider, cached=cached, provenance=provenance
        )

    # --- the cache -----------------------------------------------------------------------------

    def cache_key(self, step: RouteStep, scope: str) -> str | None:
        if not (self.operation.cacheable and getattr(self.request, "cache", False)):
            return None
        if settings.GATEWAY_CACHE_SECONDS <= 0:
            return None
        # Per workspace: another tenant's identical prompt must not see this tenant's answer.
        return limit_keys.response_key(
            self.workspace.pk, step.provider, scope, step.model, self.prompt_hash
        )


def _begin(
    call: Call, step: RouteStep, model_scope: str, keys: limit_keys.Keys, cache_key: str | None
) -> tuple[limit_keys.Begin, Any, list[limit_keys.Slot], str] | None:
    """Check cool-down and cache, take a concurrency slot (and rate tokens, when limits are
    set), waiting within the deadline. (status, value, slots, token), or None if time ran out."""
    backend = limits.backend()
    slots = limit_keys.concurrency_slots(
        workspace_id=call.workspace.pk, model_scope=model_scope, model_limit=step.max_concurrency
    )
    token = limit_keys.new_token()
    lease = limit_keys.lease_seconds(call.deadline_seconds)
    pause = 0.005
    while True:
        status, value = backend.begin(keys, slots, token, lease, cache_key)
        if status != limit_keys.Begin.BUSY:
            if status != limit_keys.Begin.ACQUIRED:
                return status, value, slots, token
            rates = limit_keys.rate_keys(
                workspace_id=call.workspace.pk,
                model_scope=model_scope,
                model_rpm=step.requests_per_minute,
            )
            if all(backend.take_rate(rate.key, rate.limit, 61) for rate in rates):
                return status, value, slots, token
            backend.release(slots, token)
            wait = limit_keys.seconds_to_next_minute()
        else:
            wait = pause
            pause = min(pause * 2, 0.1)
        if wait >= call.remaining:
            return None
        sleep(wait)


def run(
    *,
    workspace: Workspace,
    actor: User | None,
    task: str,
    operation: str,
    request: GatewayRequest,
    deadline_seconds: float | None = None,
) -> Any:
    """Run one call through the workspace's route for ``task``; see the module docstring."""
    op = OPERATIONS[operation]
    call = Call(
        workspace=workspace,
        actor=actor,
        task=task,
        operation=op,
        request=request,
        deadline_seconds=deadline_seconds,
    )
    steps = route_steps_cached(workspace=workspace, task=call.task)
    if not steps:
        raise GatewayError(
            f"No model is set up for {TaskKind(call.task).label.lower()} in this workspace. "
            "Choose one on the Models page.",
            error_class=ErrorClass.BAD_REQUEST,
        )
    if not op.fallback:
        steps = steps[:1]
    configs: dict[str, tuple[ProviderConfig, str] | ServiceError] = {}
    tried: set[tuple[str, str]] = set()
    for step in steps:
        if step.key in tried:  # each model at most once per call, even if listed twice
            continue
        tried.add(step.key)
        if op.capability not in step.capabilities:
            call.notes.append(f"{step.provider}/{step.model} cannot {op.verb}")
            continue
        if step.provider not in configs:
            try:
                configs[step.provider] = provider_config(
                    workspace=workspace, provider=step.provider
                )
            except ServiceError as error:  # a stored key that no configured key decrypts
                configs[step.provider] = error
        found = configs[step.provider]
        if isinstance(found, ServiceError):
            call.notes.append(f"{step.provider}/{step.model}: {found.message}")
            continue
        config, scope = found
        outcome = _attempt_entry(call, step, config, scope)
        if outcome is None:
            continue  # fall back
        result, row, cached = outcome
        return call.finish(step, result, row, cached=cached)
    raise _failure(call)


def _attempt_entry(
    call: Call, step: RouteStep, config: ProviderConfig, scope: str
) -> tuple[Any, UsageRecord, bool] | None:
    """Try one route entry (with retries): (result, usage row, cached), or None to fall back;
    raises GatewayError when the error's policy is to fail."""
    backend = limits.backend()
    name = f"{step.provider}/{step.model}"
    model_scope = f"{step.provider}:{scope}:{step.model}"
    keys = limit_keys.Keys.for_scope(model_scope)
    cache_key = call.cache_key(step, scope)
    provider = None
    for attempt in range(1, settings.GATEWAY_MAX_RETRIES + 2):
        if call.remaining <= 0:
            call.notes.append(f"{name}: the call ran out of time")
            return None
        began = _begin(call, step, model_scope, keys, cache_key)
        if began is None:
            call.notes.append(f"{name}: too many calls in flight; none finished in time")
            return None
        status, value, slots, token = began
        if status == limit_keys.Begin.COOLING:
            call.notes.append(
                f"{name} is resting for {max(1, round(value))} s after repeated failures"
            )
            return None
        if status == limit_keys.Begin.CACHED:
            row = call.record(step, attempt=attempt, latency=0.0, result=value, cached=True)
            return value, row, True

        provider = provider or build_provider(step.provider, config)
        started = monotonic()
        timeout = max(0.001, min(settings.GATEWAY_ATTEMPT_TIMEOUT_SECONDS, call.remaining))
        error: ProviderError | None = None
        result = None
        try:
            forced = forced_error(step)
            if forced:
                raise ProviderError(
                    forced,
                    f"{provider.label} failed on purpose: the gateway's test switch forces "
                    f"“{ErrorClass(forced).label.lower()}” for {step.model}.",
                )
            result = getattr(provider, call.operation.method)(
                call.request, model=step.model, timeout=timeout
            )
        except ProviderError as exc:
            error = exc
            error.message = scrub(error.message, config.secrets)
        finally:
            # One round trip: the slot back, the answer cached, the failure streak updated.
            if error is None and result is not None:
                outcome = limit_keys.End.SUCCESS
            elif error is not None and error.error_class in HEALTH_ERRORS:
                outcome = limit_keys.End.HEALTH_FAILURE
            else:
                outcome = limit_keys.End.OTHER
            cooled = backend.end(
                keys,
                slots,
                token,
                outcome,
                cache_key=cache_key,
                value=result,
                cache_seconds=settings.GATEWAY_CACHE_SECONDS,
                threshold=settings.GATEWAY_COOLDOWN_FAILURES,
                window=settings.GATEWAY_COOLDOWN_WINDOW_SECONDS,
                cooldown=settings.GATEWAY_COOLDOWN_SECONDS,
            )
        latency = monotonic() - started
        call.attempts += 1
        row = call.record(step, attempt=attempt, latency=latency, result=result, error=error)
        if error is None:
            return result, row, False

        call.last_error = error
        logger.warning(
            "gateway %s %s attempt %d: %s (%s)",
            call.task,
            name,
            attempt,
            error.error_class,
            error.message,
        )
        if cooled:
            logger.warning(
                "gateway %s cools down for %s s", name, settings.GATEWAY_COOLDOWN_SECONDS
            )
            call.notes.append(f"{name}: {error.message}")
            return None
        if error.policy == Policy.FAIL:
            call.notes.append(error.message)
            raise _failure(call, final=error)
        if error.policy == Policy.RETRY and attempt <= settings.GATEWAY_MAX_RETRIES:
            delay = backoff_delay(attempt - 1, error.retry_after)
            if delay <= settings.GATEWAY_BACKOFF_MAX_SECONDS * 1.1 and delay < call.remaining:
                sleep(delay)
                continue
        call.notes.append(f"{name}: {error.message}")
        return None
    return None


def _failure(call: Call, final: ProviderError | None = None) -> GatewayError:
    error = final or call.last_error
    label = TaskKind(call.task).label.lower()
    if final is not None:
        message = f"Could not {call.operation.verb} ({label}): {final.message}"
    elif len(call.notes) == 1:
        message = f"Could not {call.operation.verb} ({label}): {call.notes[0]}"
    else:
        tried = "; ".join(call.notes) if call.notes else "no model could be tried"
        message = f"Could not {call.operation.verb} ({label}). Tried: {tried}."
    error_class: ErrorClass | None
    if call.remaining <= 0:
        message += f" The call stopped at its {call.deadline_seconds:g} s limit."
        error_class = ErrorClass.TIMEOUT
    else:
        error_class = error.error_class if error else None
    return GatewayError(message, error_class=error_class, attempts=call.attempts)
