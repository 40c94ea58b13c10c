"""The aws CLI: argument lists for its calls, parsing of their JSON, and what its failures mean.

Three layers, each usable on its own:

- :class:`AwsCall` is one aws invocation as a value (service, operation, arguments, region). Its argv
  always asks for ``--output json`` and names the region with ``--region``; it starts nothing.
- ``parse_*`` turn the JSON the aws CLI prints into frozen records; every shape error is a
  :class:`~passecs.core.errors.ParseError`, never a KeyError.
- :func:`classify` reads a failed call's exit code and stderr into an :class:`AwsFailure`;
  :func:`call` runs an :class:`AwsCall` through ``ctx.execute`` (so ``--dry-run`` and ``--verbose`` hold),
  with the aws CLI's own retries set (:class:`RetryPolicy`), never re-runs a mutating call (an ambiguous
  failure of one is :class:`AmbiguousOutcome`, for the caller to resolve), and turns every other failure
  into one clear error. Nothing here is specific to IAM except the IAM builders and records.

``AWS_PROFILE`` and ``AWS_ENDPOINT_URL`` are never touched: the child inherits them with the environment.
"""

from __future__ import annotations

import contextlib
import enum
import json
import os
import re
import shutil
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from passecs.core.errors import CommandFailed, Interrupted, InvalidInput, ParseError
from passecs.core.masking import mask_document
from passecs.core.runner import Command, Result

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from passecs.core.context import Context

PROGRAM = "aws"


# --------------------------------------------------------------------------------------------------
# calls as values


def _camel(operation: str) -> str:
    """``create-role`` -> ``CreateRole``: the API action name IAM policies and errors use."""
    return "".join(part[:1].upper() + part[1:] for part in operation.split("-"))


@dataclass(frozen=True)
class AwsCall:
    """One aws CLI invocation: ``aws SERVICE [--region R] OPERATION ARGS... --output json``."""

    service: str
    operation: str
    args: tuple[str, ...] = ()
    region: str | None = None
    note: str = ""  # shown after the command line (e.g. the masked JSON of a file:// input), never run

    @property
    def action(self) -> str:
        """The IAM action this call needs, e.g. ``iam:CreateRole``."""
        return f"{self.service}:{_camel(self.operation)}"

    @property
    def name(self) -> str:
        """``iam get-role``: how messages name the call."""
        return f"{self.service} {self.operation}"

    def argv(self, program: str = PROGRAM) -> tuple[str, ...]:
        # --region right after the service, as the runbook writes it; --output last, so that the
        # runbook's own line is a prefix of ours.
        region = ("--region", self.region) if self.region else ()
        return (program, self.service, *region, self.operation, *self.args, "--output", "json")

    def command(self, program: str = PROGRAM, env: Mapping[str, str] | None = None) -> Command:
        return Command(argv=self.argv(program), env=dict(env or {}), note=self.note)


def aws_call(service: str, operation: str, *args: str, region: str | None = None, note: str = "") -> AwsCall:
    return AwsCall(service=service, operation=operation, args=tuple(args), region=region, note=note)


@dataclass(frozen=True)
class JsonInput:
    """A JSON document handed to the aws CLI as ``file://``: the URI for the argv, the masked JSON for displays."""

    uri: str
    path: Path
    shown: str  # the document as JSON, masked (see passecs.core.masking)

    @property
    def note(self) -> str:
        return f"{self.path.name}: {self.shown}"


@contextlib.contextmanager
def json_input(document: Any, *, secrets: Sequence[str] = ()) -> Iterator[JsonInput]:
    """``document`` in a private temporary file (0600, in a 0700 directory of its own) for as long as the
    ``with`` lasts; removed afterwards, also on error and on Ctrl-C.

    For anything that carries container environment, secrets or credentials: the command line of a child
    process is readable by every local user (``ps``), a file of the operator's is not.
    """
    directory = Path(tempfile.mkdtemp(prefix="passecs-"))  # mkdtemp: mode 0700
    path = directory / "input.json"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(document, f)
        shown = json.dumps(mask_document(document, secrets))
        yield JsonInput(uri=f"file://{path}", path=path, shown=shown)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def iam_get_role(role_name: str, region: str | None = None) -> AwsCall:
    return aws_call("iam", "get-role", "--role-name", role_name, region=region)


def iam_create_role(role_name: str, policy_uri: str, region: str | None = None) -> AwsCall:
    return aws_call(
        "iam", "create-role", "--role-name", role_name, "--assume-role-policy-document", policy_uri, region=region
    )


def iam_update_assume_role_policy(role_name: str, policy_uri: str, region: str | None = None) -> AwsCall:
    return aws_call(
        "iam", "update-assume-role-policy", "--role-name", role_name, "--policy-document", policy_uri, region=region
    )


def iam_list_attached_role_policies(role_name: str, region: str | None = None) -> AwsCall:
    return aws_call("iam", "list-attached-role-policies", "--role-name", role_name, region=region)


def iam_attach_role_policy(role_name: str, policy_arn: str, region: str | None = None) -> AwsCall:
    return aws_call("iam", "attach-role-policy", "--role-name", role_name, "--policy-arn", policy_arn, region=region)


# --------------------------------------------------------------------------------------------------
# parsing


def parse_json(text: str, what: str) -> Any:
    """The JSON document ``what`` printed; None for empty output (aws prints nothing for some calls)."""
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"{what}: the aws CLI printed something that is not JSON ({exc.msg}, line {exc.lineno})",
            "check that no AWS_DEFAULT_OUTPUT or cli alias changes the aws CLI's output",
        ) from None


def _field(data: Any, key: str, what: str, kind: type | tuple[type, ...] = str) -> Any:
    if not isinstance(data, dict):
        raise ParseError(f"{what}: expected a JSON object, got {type(data).__name__}")
    if key not in data:
        raise ParseError(f"{what}: no {key!r} in the aws CLI's answer")
    value = data[key]
    if not isinstance(value, kind):
        raise ParseError(f"{what}: {key!r} is {type(value).__name__}, not what the aws CLI prints")
    return value


def parse_policy_document(value: Any, what: str = "policy document") -> dict[str, Any]:
    """A policy document as IAM returns it: a JSON object, or a (URL-encoded) JSON string."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        for text in (value, urllib.parse.unquote(value)):
            try:
                decoded = json.loads(text)
            except json.JSONDecodeError:
                continue
            if isinstance(decoded, dict):
                return decoded
        raise ParseError(f"{what}: not a JSON policy document")
    raise ParseError(f"{what}: a {type(value).__name__}, not a policy document")


@dataclass(frozen=True)
class Role:
    """An IAM role, as get-role and create-role print it."""

    name: str
    arn: str
    role_id: str
    path: str
    trust_policy: Mapping[str, Any] = field(default_factory=dict)


def parse_role(data: Any, what: str = "iam get-role") -> Role:
    role = _field(data, "Role", what, dict)
    return Role(
        name=_field(role, "RoleName", what),
        arn=_field(role, "Arn", what),
        role_id=str(role.get("RoleId") or ""),
        path=str(role.get("Path") or "/"),
        trust_policy=parse_policy_document(
            _field(role, "AssumeRolePolicyDocument", what, (dict, str)), f"{what}: AssumeRolePolicyDocument"
        ),
    )


@dataclass(frozen=True)
class AttachedPolicy:
    name: str
    arn: str


def parse_attached_policies(data: Any, what: str = "iam list-attached-role-policies") -> tuple[AttachedPolicy, ...]:
    items = _field(data, "AttachedPolicies", what, list)
    return tuple(
        AttachedPolicy(name=_field(item, "PolicyName", what), arn=_field(item, "PolicyArn", what)) for item in items
    )


# --------------------------------------------------------------------------------------------------
# failures


class FailureKind(enum.Enum):
    NO_CREDENTIALS = "no credentials"
    INVALID_CREDENTIALS = "invalid credentials"
    NO_REGION = "no region"
    ACCESS_DENIED = "access denied"
    THROTTLED = "throttled"
    CONNECTION = "connection"
    NO_SUCH_ENTITY = "no such entity"  # IAM's NoSuchEntity, and the other services' *NotFound codes
    ALREADY_EXISTS = "already exists"
    OTHER = "other"

    @property
    def retryable(self) -> bool:
        return self in (FailureKind.THROTTLED, FailureKind.CONNECTION)


@dataclass(frozen=True)
class AwsFailure:
    kind: FailureKind
    message: str  # the aws CLI's own message, cleaned
    code: str | None = None  # the AWS error code (AccessDenied, NoSuchEntity, ...)
    operation: str | None = None  # the API operation aws named (CreateRole)
    action: str | None = None  # for AccessDenied: the refused action (iam:CreateRole), when known


_CLIENT_ERROR = re.compile(
    r"An error occurred \((?P<code>[^)]*)\) when calling the (?P<op>\w+) operation"
    r"(?: \(reached max retries: \d+\))?: ?(?P<message>.*)",
    re.DOTALL,
)
_NOT_AUTHORIZED = re.compile(r"not authorized to perform:? (?P<action>[\w-]+:[\w*]+)")

_ACCESS_DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "Forbidden"}
)
_INVALID_CREDENTIAL_CODES = frozenset(
    {
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "UnrecognizedClientException",
        "AuthFailure",
        "InvalidAccessKeyId",
        "InvalidToken",
    }
)
# botocore's own lists of throttling and transient error codes (retryhandler / retries.standard)
_THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
        "RequestTimeout",
        "RequestTimeoutException",
        "ServiceUnavailable",
        "InternalFailure",
        "InternalError",
    }
)
_CONNECTION_MESSAGES = (
    "Could not connect to the endpoint URL",
    "Connection was closed before we received a valid response",
    "Read timeout on endpoint URL",
    "Connect timeout on endpoint URL",
    "An HTTP Client failed to establish a connection",
    "An HTTP Client raised an unhandled exception",
    "Failed to connect to proxy URL",
    "Connection reset by peer",
    "Connection aborted",
)
_NO_CREDENTIAL_MESSAGES = (
    "Unable to locate credentials",
    "Partial credentials found",
    "Error when retrieving credentials",
)
_NO_PROFILE = re.compile(r"The config profile \((?P<profile>.*)\) could not be found")


def clean(text: str) -> str:
    """The aws CLI's message without the blank lines it starts with and the whitespace it ends with."""
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines()).strip()


def classify(exit_code: int, stderr: str) -> AwsFailure:
    """What a failed aws call's exit code and stderr mean (pure; tested on recorded stderr)."""
    message = clean(stderr) or f"the aws CLI exited {exit_code} without a message"
    match = _CLIENT_ERROR.search(message)
    if match:
        code, op, text = match["code"], match["op"], match["message"].strip()
        if code in _ACCESS_DENIED_CODES or "not authorized to perform" in text:
            denied = _NOT_AUTHORIZED.search(text)
            return AwsFailure(FailureKind.ACCESS_DENIED, message, code, op, denied["action"] if denied else None)
        if code in _INVALID_CREDENTIAL_CODES:
            return AwsFailure(FailureKind.INVALID_CREDENTIALS, message, code, op)
        if code in _THROTTLING_CODES:
            return AwsFailure(FailureKind.THROTTLED, message, code, op)
        if code == "NoSuchEntity" or code.endswith(("NotFoundException", ".NotFound", "NotFound")):
            return AwsFailure(FailureKind.NO_SUCH_ENTITY, message, code, op)
        if code == "EntityAlreadyExists":
            return AwsFailure(FailureKind.ALREADY_EXISTS, message, code, op)
        return AwsFailure(FailureKind.OTHER, message, code, op)
    if any(marker in message for marker in _CONNECTION_MESSAGES):
        return AwsFailure(FailureKind.CONNECTION, message)
    if any(marker in message for marker in _NO_CREDENTIAL_MESSAGES) or _NO_PROFILE.search(message):
        return AwsFailure(FailureKind.NO_CREDENTIALS, message)
    if "You must specify a region" in message:
        return AwsFailure(FailureKind.NO_REGION, message)
    return AwsFailure(FailureKind.OTHER, message)


CREDENTIALS_FIX = (
    "provide AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (environment or passecs.env; "
    "plus AWS_SESSION_TOKEN for temporary keys), or AWS_PROFILE naming a profile in ~/.aws; "
    "`passecs configure profile NAME` stores the same keys for ecs-cli"
)


class AwsCallFailed(CommandFailed):
    """An aws call failed (exit 1); ``failure`` says how, for callers that handle some kinds."""

    def __init__(self, failure: AwsFailure, message: str, fix: str | None = None, *, detail: str | None = None) -> None:
        super().__init__(message, fix, detail=detail)
        self.failure = failure


class NoSuchEntity(AwsCallFailed):
    pass


class EntityAlreadyExists(AwsCallFailed):
    pass


class AccessDenied(AwsCallFailed):
    pass


class Unreachable(AwsCallFailed):
    """Throttled or disconnected on every attempt."""


class AmbiguousOutcome(AwsCallFailed):
    """A mutating call whose answer was lost (read timeout, connection closed, a 5xx): it may or may not
    have taken effect. Never re-run blindly: the caller finds out what happened (see
    :mod:`passecs.backends.aws.backend`), then goes on or says clearly what is unknown."""


class CredentialsMissing(InvalidInput):
    """No usable AWS credentials (exit 3: the configuration, not AWS, has to change)."""

    def __init__(self, failure: AwsFailure, message: str, fix: str | None = None, *, detail: str | None = None) -> None:
        super().__init__(message, fix, detail=detail)
        self.failure = failure


# The request may have reached AWS and been carried out: only the answer is missing.
_AMBIGUOUS_MESSAGES = (
    "Read timeout on endpoint URL",
    "Connection was closed before we received a valid response",
    "Connection reset by peer",
    "Connection aborted",
    "An HTTP Client raised an unhandled exception",
)
# 5xx: the service failed while (or after) handling the request
_SERVER_ERROR_CODES = frozenset(
    {"InternalError", "InternalFailure", "InternalServerError", "ServiceUnavailable", "ServerException",
     "ServiceException", "ServiceUnavailableException", "InternalServiceError"}
)  # fmt: skip


def is_ambiguous(failure: AwsFailure) -> bool:
    """Whether a failed call may have been carried out all the same (timeout, dropped answer, 5xx)."""
    if failure.code is not None:
        return failure.code in _SERVER_ERROR_CODES
    return failure.kind is FailureKind.CONNECTION and any(m in failure.message for m in _AMBIGUOUS_MESSAGES)


def _first_line(text: str) -> tuple[str, str | None]:
    lines = text.splitlines()
    rest = "\n".join(lines[1:]).strip()
    return lines[0] if lines else "", rest or None


def error_for(failure: AwsFailure, call: AwsCall, attempts: int = 1) -> CommandFailed | InvalidInput:
    """The one clear error an operator sees for ``failure`` of ``call``."""
    head, detail = _first_line(failure.message)
    kind = failure.kind
    profile = _NO_PROFILE.search(failure.message)
    if profile:
        return CredentialsMissing(
            failure,
            f"aws {call.name}: the AWS profile {profile['profile']!r} does not exist",
            "set AWS_PROFILE to a profile in ~/.aws/credentials or ~/.aws/config, or unset it and set "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
        )
    if kind is FailureKind.NO_CREDENTIALS:
        return CredentialsMissing(failure, f"aws {call.name}: no AWS credentials found ({head})", CREDENTIALS_FIX)
    if kind is FailureKind.INVALID_CREDENTIALS:
        return CredentialsMissing(
            failure,
            f"aws {call.name}: AWS rejected the credentials ({failure.code}): {_client_text(failure)}",
            "check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN, which expires) "
            "or the profile AWS_PROFILE names",
        )
    if kind is FailureKind.NO_REGION:
        return InvalidInput(f"aws {call.name}: no AWS region", "pass --region, or set AWS_REGION")
    if kind is FailureKind.ACCESS_DENIED:
        action = failure.action or call.action
        return AccessDenied(
            failure,
            f"aws {call.name}: AWS refused {action} to these credentials ({failure.code})",
            f"allow {action} for the user or role these credentials belong to, "
            "or use credentials (AWS_PROFILE) that have it",
            detail=_client_text(failure) or None,
        )
    if kind.retryable:
        what = "throttled by AWS" if kind is FailureKind.THROTTLED else "could not reach AWS"
        tries = f"on all {attempts} attempts" if attempts > 1 else "after the aws CLI's own retries"
        return Unreachable(
            failure,
            f"aws {call.name}: {what} {tries}: {head}",
            "wait a minute and run the command again (it is safe to repeat); "
            "for connection errors check the network, proxy and AWS_ENDPOINT_URL",
            detail=detail,
        )
    if kind is FailureKind.NO_SUCH_ENTITY:
        return NoSuchEntity(failure, f"aws {call.name}: {_client_text(failure) or head} (NoSuchEntity)")
    if kind is FailureKind.ALREADY_EXISTS:
        return EntityAlreadyExists(failure, f"aws {call.name}: {_client_text(failure) or head} (EntityAlreadyExists)")
    return AwsCallFailed(failure, f"aws {call.name} failed: {head}", detail=detail)


def _client_text(failure: AwsFailure) -> str:
    match = _CLIENT_ERROR.search(failure.message)
    return match["message"].strip() if match else failure.message


# --------------------------------------------------------------------------------------------------
# running


@dataclass(frozen=True)
class RetryPolicy:
    """How failed calls are tried again.

    Inside one aws run: the aws CLI's own retries (botocore), set through ``AWS_RETRY_MODE`` and
    ``AWS_MAX_ATTEMPTS`` in the child's environment unless the operator set them. They cover throttling,
    5xx and dropped connections of reads and writes alike, with the request signed once.
    Whole new runs (``delays``): none by default; when given, for reads only. A mutating call is never
    re-run here: after an ambiguous failure :class:`AmbiguousOutcome` tells the caller to find out.
    """

    delays: tuple[float, ...] = ()
    sleep: Callable[[float], None] = time.sleep
    mode: str = "standard"
    max_attempts: int = 5

    @property
    def attempts(self) -> int:
        """Runs of one read call (the aws CLI's own attempts inside each run not counted)."""
        return len(self.delays) + 1

    def environment(self, parent: Mapping[str, str]) -> dict[str, str]:
        """``AWS_RETRY_MODE`` and ``AWS_MAX_ATTEMPTS`` for the child, unless the operator set them."""
        wanted = {"AWS_RETRY_MODE": self.mode, "AWS_MAX_ATTEMPTS": str(self.max_attempts)}
        return {name: value for name, value in wanted.items() if not parent.get(name)}


DEFAULT_RETRY = RetryPolicy()


def execute(
    ctx: Context,
    call: AwsCall,
    *,
    mutates: bool = False,
    program: str | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
    timeout: float | None = None,
) -> Result:
    """Run ``call`` through ``ctx.execute``; the successful Result, or the clear error of its failure.

    The aws CLI retries inside the run (``retry``'s environment); a read may also be run again after
    ``retry.delays``; a mutating call runs once, and an ambiguous failure of it raises
    :class:`AmbiguousOutcome`. With ``--dry-run`` a call that ``mutates`` is printed, not run, and an
    empty Result comes back.
    """
    if program is None:
        from passecs.core.tools import AWS, require

        program = require(AWS, ctx.env)
    command = call.command(program, env=retry.environment(ctx.env))
    attempt = 0
    while True:
        attempt += 1
        result = ctx.execute(command, mutates=mutates, timeout=timeout)
        if result.ok:
            return result
        if result.exit_code == 130:
            raise Interrupted(f"interrupted: {result.command.display()}")
        failure = classify(result.exit_code, result.command.masked(result.stderr))
        if mutates and is_ambiguous(failure):
            head, detail = _first_line(failure.message)
            raise AmbiguousOutcome(
                failure,
                f"aws {call.name}: no answer from AWS ({head}); it may or may not have been carried out",
                "check with 'passecs ps' (or the AWS console) before running the command again",
                detail=detail,
            )
        if not mutates and failure.kind.retryable and attempt < retry.attempts:
            retry.sleep(retry.delays[attempt - 1])
            continue
        raise error_for(failure, call, attempt)


def carry_out(
    what: str, attempt: Callable[[], Any], done: Callable[[], Any | None], say: Callable[[str], None] | None = None
) -> Any:
    """Run the mutating call ``attempt``; when its answer is lost (AmbiguousOutcome), ask ``done`` whether
    it was carried out all the same (its answer, or None), and only when it was not, try once more.

    Never a duplicate: a mutation is re-run only after AWS said it did not happen. When AWS cannot tell
    (no answer twice), one clear error says so.
    """
    from passecs.core import output

    tell = say or output.warning
    for round_ in (1, 2):
        try:
            return attempt()
        except AmbiguousOutcome as exc:
            head = (exc.failure.message.splitlines() or ["no answer"])[0]
            tell(f"{what}: no answer from AWS ({head}); checking whether it was done")
            found = done()
            if found is not None:
                tell(f"{what}: it was done; going on")
                return found
            if round_ == 2:
                raise CommandFailed(
                    f"{what}: AWS did not answer, twice, and has not done it: {exc.message}",
                    "nothing was duplicated; run the command again when AWS answers (it is safe to repeat)",
                ) from None
            tell(f"{what}: it was not done; trying once more")
    raise AssertionError("unreachable")  # pragma: no cover


class ExecuteOptions(TypedDict, total=False):
    """The keyword options of :func:`execute`, for the functions that pass them on to it."""

    mutates: bool
    program: str | None
    retry: RetryPolicy
    timeout: float | None


def call_json(ctx: Context, call: AwsCall, **options: Unpack[ExecuteOptions]) -> Any:
    """Run ``call`` (see :func:`execute`) and return its parsed JSON (None when it printed nothing)."""
    result = execute(ctx, call, **options)
    return parse_json(result.stdout, f"aws {call.name}")
