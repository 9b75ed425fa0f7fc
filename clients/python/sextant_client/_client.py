"""The client: studies, trials and the HTTP calls behind them (standard library only)."""

import collections.abc
import contextlib
import datetime
import decimal
import enum
import http.client
import json
import logging
import math
import numbers
import os
import re
import threading
import time
import urllib.parse
import warnings

__all__ = [
    "CategoricalDistribution",
    "DuplicatedStudyError",
    "FixedParamOutOfRangeError",
    "FloatDistribution",
    "FrozenTrial",
    "GridMismatchError",
    "HalfMadeStudyError",
    "IntDistribution",
    "NonFiniteValueError",
    "Recommendation",
    "SamplerExhaustedError",
    "SamplerFailedError",
    "SextantError",
    "ServerTimeoutError",
    "ServerUnreachableError",
    "Study",
    "Trial",
    "TrialBudgetSpentError",
    "TrialPruned",
    "TrialState",
    "create_study",
    "delete_study",
    "list_studies",
    "load_study",
]


class SextantError(Exception):
    """An error answer from the server (its HTTP status, message and the request field at fault), or no answer at all.

    `status` is None when no answer came: see ServerUnreachableError and ServerTimeoutError. `code`
    is the server's machine-readable reason when it gives one (e.g. "trial_budget_spent"), else None;
    the message is for people and may change.
    """

    def __init__(self, status, message, field=None, code=None):
        if status is None:
            super().__init__(message)
        else:
            super().__init__("%s (HTTP %d%s)" % (message, status, ", field " + field if field else ""))
        self.status = status
        self.message = message
        self.field = field
        self.code = code


class ServerUnreachableError(SextantError, ConnectionError):
    """No answer from the server: it refused the connection (not running at the URL, or down longer than
    `retry_timeout`), its name did not resolve, or the connection broke before an answer. `status` is None.
    """

    def __init__(self, message):
        SextantError.__init__(self, None, message)


class ServerTimeoutError(ServerUnreachableError, TimeoutError):
    """The server did not answer a request within the client's `timeout`. The request may have acted."""


class DuplicatedStudyError(SextantError):
    """`create_study` without `load_if_exists` for a name that is taken."""


class TrialBudgetSpentError(SextantError):
    """`ask` on a study made by `sextant create --trials N` once all N trials are handed out (HTTP 409).

    `optimize` stops there quietly, as the library's optimize and `sextant worker` do; a direct
    `ask` raises it. Example::

        try:
            trial = study.ask()
        except sextant_client.TrialBudgetSpentError:
            trial = None  # every trial of the study's budget is taken
    """


class SamplerExhaustedError(SextantError):
    """`ask` on a study whose sampler has nothing left to propose, such as a grid whose every point was taken (HTTP 409).

    `optimize` stops there quietly, as the library's optimize does (and Optuna's, whose GridSampler
    stops the study); a direct `ask` raises it.
    """


class FixedParamOutOfRangeError(SextantError):
    """A `suggest_*` (or an `ask` with fixed_distributions) for a parameter the trial was queued with at a value outside the range asked for (HTTP 409).

    The value was enqueued (`sextant create --enqueue`, the library's enqueueTrial) or kept by the
    retry of a trial whose client or worker died, before the code's range changed. `optimize` fails
    that trial with the server's reason, logs a warning and goes on, as the library's optimize does;
    Optuna 3.1 warns and runs the value anyway, but the server does not store a value under a
    distribution that leaves it out, since its samplers could not place it.
    """


class GridMismatchError(SextantError):
    """The study's grid sampler cannot serve what was asked (HTTP 409): its value for the parameter lies outside the
    distribution asked for (`code` "grid_value_out_of_range"), or its grid has no values for the parameter at all
    (`code` "param_not_in_grid"). `field` names the parameter's place in the request (`body.space.NAME` for an `ask`
    with fixed_distributions, `body.distribution` for a `suggest_*`).

    The study's grid and the objective's space disagree, so no trial can run until one of them changes: `optimize`
    fails the trial and raises it, as for any error of the objective (the server fails the trial of an `ask` itself).
    Example::

        try:
            study.optimize(objective, n_trials=10)
        except sextant_client.GridMismatchError as error:
            print("the grid does not fit", error.field, error.message)
    """


class SamplerFailedError(SextantError):
    """A `suggest_*` (or an `ask` with fixed_distributions) that the study's sampler could not serve: it raised, or
    proposed a value outside the distribution asked for (HTTP 500, `code` "sampler_failed"; the server logs the error).

    The server has failed the trial with the sampler's message as its reason, so the trial is not told
    again: its heartbeat stops, `study.tell(trial, state=TrialState.FAIL)` returns it as stored, and
    `optimize` raises the error as for any error of the objective (without warning that the trial was
    "finished elsewhere"). The fault lies with the study's sampler or its options, not with the objective.
    """


class HalfMadeStudyError(SextantError):
    """`ask` (or `optimize`) on a study that `sextant create` is still making (it has not queued all its trials yet), or that `sextant copy`/`import` is still writing (HTTP 409).

    Ask again once that create or copy has finished; one that stopped before finishing leaves a
    study to delete and create (or copy) again. `optimize` raises it too, as the library's optimize does. Example::

        while True:
            try:
                trial = study.ask()
                break
            except sextant_client.HalfMadeStudyError:
                time.sleep(1)  # sextant create is still queuing the study's trials
    """


class TrialPruned(Exception):
    """Raise from an objective when `trial.should_prune()` says so; the trial is recorded as pruned."""


class TrialState(enum.Enum):
    WAITING = "waiting"
    RUNNING = "running"
    COMPLETE = "complete"
    PRUNED = "pruned"
    FAIL = "failed"

    def is_finished(self):
        return self in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)


class FloatDistribution:
    """A real parameter in [low, high], on a log scale or a grid of `step` if asked."""

    def __init__(self, low, high, log=False, step=None):
        self.low, self.high, self.log, self.step = low, high, log, step

    def to_json(self):
        out = {"type": "float", "low": _number(self.low, "low"), "high": _number(self.high, "high")}
        if self.log:
            out["log"] = True
        if self.step is not None:
            out["step"] = _number(self.step, "step")
        return out


class IntDistribution:
    """An integer parameter in {low, ..., high}, every `step`-th one, on a log scale if asked."""

    def __init__(self, low, high, log=False, step=1):
        self.low, self.high, self.log, self.step = low, high, log, step

    def to_json(self):
        out = {"type": "int", "low": _integer(self.low, "low"), "high": _integer(self.high, "high")}
        if self.log:
            out["log"] = True
        step = None if self.step is None else _integer(self.step, "step")
        # step 1 is the default; leaving it out keeps one distribution per name whichever way it was written.
        if step is not None and step != 1:
            out["step"] = step
        return out


class CategoricalDistribution:
    """One of `choices` (str, int, float, bool or None)."""

    def __init__(self, choices):
        self.choices = tuple(choices)

    def to_json(self):
        return {"type": "categorical", "choices": [_choice(choice, "choices[%d]" % i) for i, choice in enumerate(self.choices)]}


def _typed_params(params, distributions):
    """`params` with a float parameter's value as a float, an int parameter's as an int and a
    categorical one's as the choice in its distribution, as Optuna has them.

    JSON writes 1.0 as 1, which Python reads back as an int: without this, suggest_float could
    answer 1 where Optuna answers 1.0.
    """
    return {name: _typed_param(value, distributions.get(name)) for name, value in params.items()}


def _typed_param(value, distribution):
    kind = distribution.get("type") if isinstance(distribution, dict) else None
    if kind == "categorical":
        return _declared_choice(value, distribution.get("choices") or ())
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if kind == "float":
        return float(value)
    if kind == "int":
        return int(value)
    return value


def _json_key(value):
    """`value` as the server tells JSON values apart: True is not 1, but 1.0 is 1 (JavaScript has one number type).

    Python's == finds True equal to 1, so choices and distributions are compared by this key instead.
    """
    if value is None or isinstance(value, (bool, str)):
        return (type(value).__name__, value)
    if isinstance(value, (int, float)):
        try:
            return ("number", float(value))
        except OverflowError:  # an int no float holds: never a value the server took
            return ("number", value)
    if isinstance(value, dict):
        return ("object", tuple(sorted((key, _json_key(item)) for key, item in value.items())))
    if isinstance(value, (list, tuple)):
        return ("array", tuple(_json_key(item) for item in value))
    return ("other", repr(value))


def _declared_choice(value, choices):
    """The choice among `choices` that the server's `value` stands for (1.0 for 1, True for true), else `value`."""
    key = _json_key(value)
    for choice in choices:
        if _json_key(choice) == key:
            return choice
    return value


def _as_declared(distributions, declared):
    """`distributions` (as the server sends them) with each categorical one this process declared in its declared form.

    The server keeps choices as JSON numbers, so a choice declared as 1.0 comes back as 1; `declared`
    (see Study._declare) holds the distributions as they were sent, by name and JSON key.
    """
    out = {}
    for name, distribution in distributions.items():
        known = declared.get((name, _json_key(distribution))) if declared else None
        out[name] = dict(known, choices=list(known["choices"])) if known is not None else distribution
    return out


def _millis_to_datetime(value):
    return None if value is None else datetime.datetime.fromtimestamp(value / 1000.0)


class FrozenTrial:
    """A trial as the server has it: read-only, like Optuna's FrozenTrial."""

    def __init__(self, data, declared=None):
        self._data = data
        self.number = data["number"]
        self.state = TrialState(data["state"])
        # A categorical parameter's value is the choice as this process declared it, where it did (see Study._declare).
        self.distributions = _as_declared(data["distributions"], declared)
        self.params = _typed_params(data["params"], self.distributions)
        # Floats, as in Optuna, also where JSON wrote a whole number (1.0 as 1).
        self.values = [float(value) for value in data["values"]] if data["values"] is not None else None
        self.intermediate_values = {int(step): float(value) for step, value in data["intermediate"].items()}
        self.user_attrs = _from_wire(data["userAttrs"])
        self.system_attrs = _from_wire(data["systemAttrs"])
        constraints = self.system_attrs.get("constraints")
        self.constraints = [float(value) for value in constraints] if isinstance(constraints, list) else None
        self.datetime_start = _millis_to_datetime(data["startedAt"])
        self.datetime_complete = _millis_to_datetime(data["finishedAt"])

    @property
    def last_step(self):
        """The latest step the trial reported (the largest, whatever the order of the reports), or None: Optuna's last_step."""
        return max(self.intermediate_values) if self.intermediate_values else None

    @property
    def value(self):
        """The value of a single-objective trial, or None."""
        if self.values is None:
            return None
        if len(self.values) != 1:
            raise RuntimeError("this trial has %d values; use .values" % len(self.values))
        return self.values[0]

    def __repr__(self):
        return "FrozenTrial(number=%d, state=%s, values=%r, params=%r)" % (self.number, self.state.name, self.values, self.params)


class Recommendation:
    """The trial a study recommends, and where the choice came from.

    ``source`` is ``"model"`` when a sampler with a model (the GP) recorded the evaluated trial with
    the best posterior mean of the noise-free objective: on a noisy objective that is the
    configuration the data say is best, where ``best_trial`` is the luckiest observation. It is
    ``"best observed"`` otherwise, and ``trial`` is then the best trial. ``posterior_mean`` and
    ``posterior_sd`` are in the objective's units when ``units == "objective"``, in the model's
    standardised units when ``units == "model"``, and None without a model.
    """

    def __init__(self, data, declared=None):
        self.trial = FrozenTrial(data["trial"], declared)
        self.source = data["source"]
        self.posterior_mean = data["posteriorMean"]
        self.posterior_sd = data["posteriorSd"]
        self.units = data["units"]
        self.model_trials = data["modelTrials"]

    def __repr__(self):
        return "Recommendation(trial=%d, source=%r, posterior_mean=%r, posterior_sd=%r)" % (
            self.trial.number,
            self.source,
            self.posterior_mean,
            self.posterior_sd,
        )


_log = logging.getLogger("sextant_client")


class _ClosingHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection that closes its socket when collected.

    Each thread keeps its own connection in a `threading.local`; when the thread ends (or the client
    is collected on another thread) that connection is dropped without `close()`, and a bare
    HTTPConnection would leave its socket to be finalized open, with a ResourceWarning.
    """

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


if hasattr(http.client, "HTTPSConnection"):

    class _ClosingHTTPSConnection(http.client.HTTPSConnection):
        """The HTTPS form of `_ClosingHTTPConnection`."""

        def __del__(self):
            try:
                self.close()
            except Exception:
                pass

else:
    # A Python built without ssl has no HTTPSConnection: the import failed for http:// servers too.
    _ClosingHTTPSConnection = None


class _Connection:
    """One keep-alive HTTP connection per thread to the server, with JSON in and out.

    Once the server has answered, a refused connection means it is restarting: the request (which
    never arrived) is sent again, for up to `retry_timeout` seconds, so a trial that finished while
    the server was down is still told. A 503 answer (the server's storage stayed locked: the write
    that waited was not stored, though an earlier one of the same request may have been) is retried
    after `_BUSY_RETRY_DELAYS` for requests safe to repeat only (`repeatable`).
    Any other failure to get an answer is raised as ServerUnreachableError or ServerTimeoutError.
    """

    # Node closes idle keep-alive sockets after 5 s; a request sent on one it is closing would be lost.
    _MAX_IDLE_SECONDS = 2.0
    # The server already waited for the lock before its 503: a few short pauses, then the 503 is raised.
    _BUSY_RETRY_DELAYS = (0.5, 1.0, 2.0)

    def __init__(self, url, token, timeout, retry_timeout=60.0):
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError("url must look like http://host:port, got %r" % url)
        self._scheme = parsed.scheme
        self._host = parsed.hostname
        self._port = parsed.port
        self._base = parsed.path.rstrip("/")
        # `sextant serve` prints its "API at http://host:port/api/v1": that URL, pasted here, asked for /api/v1/api/v1/… (404).
        if self._base.endswith("/api/v1"):
            self._base = self._base[: -len("/api/v1")]
        # The server's address, made once: error messages add "/api/v1" and a path to it, and a study
        # loaded as http://h:8080 and one loaded as http://h:8080/api/v1/ are told to be the same one.
        self.url = "%s://%s%s" % (parsed.scheme, parsed.netloc, self._base)
        self._token = token if token is not None else (os.environ.get("SEXTANT_TOKEN") or None)
        self._timeout = timeout
        self._retry_timeout = retry_timeout or 0.0
        self._reached = False
        # Whether the Sextant server itself (not only something in front of it) has answered once.
        self._answered = False
        self._local = threading.local()

    def close(self):
        """Closes this thread's connection (another thread's closes when that thread ends)."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def _open(self):
        if self._scheme == "https" and _ClosingHTTPSConnection is None:
            raise SextantError(None, "this Python was built without ssl, so it cannot reach an https:// server; use http:// or a Python with ssl")
        factory = _ClosingHTTPSConnection if self._scheme == "https" else _ClosingHTTPConnection
        return factory(self._host, self._port, timeout=self._timeout)

    def request(self, method, path, body=None, query=None, retry=True, repeatable=None, fresh=False):
        """Sends one request and answers its JSON.

        A refused connection is retried (see the class) if `retry`. A 503 is retried if `repeatable`
        (by default for GET only): a request whose repetition cannot act twice. Never pass it for a
        request that creates something (ask), which the server may have done before answering 503.
        `fresh` sends it on a new connection, never re-sent: a connection that breaks before the
        answer then raises ServerUnreachableError, since the server may have acted (ask).
        """
        if repeatable is None:
            repeatable = method == "GET"
        busy_delays = iter(self._BUSY_RETRY_DELAYS if repeatable else ())
        deadline = None
        delay = 0.25
        while True:
            try:
                return self._request_once(method, path, body, query, fresh)
            except SextantError as error:
                if repeatable and self._answered and getattr(error, "_from_proxy", False):
                    # A proxy in front of the server (TLS, an ingress) answers 502, 503 or 504 while the
                    # server restarts, where a direct connection is refused: waited for the same way,
                    # for requests safe to repeat (the proxy may have passed one on before it failed).
                    waited = self._wait_for_restart(deadline, delay, retry, "answered %s %s with HTTP %d from in front of it (%s)"
                                                    % (method, path, error.status, error.message))
                    if waited is None:
                        raise
                    deadline, delay = waited
                    continue
                pause = next(busy_delays, None) if error.status == 503 else None
                if pause is None:
                    raise
                _log.warning("sextant_client: the server at %s answered %s %s with HTTP 503 (%s); retrying in %g s",
                             self.url, method, path, error.message, pause)
                time.sleep(pause)
            except ConnectionRefusedError as error:
                if not self._reached:
                    raise ServerUnreachableError("cannot reach the Sextant server at %s: %s (is `sextant serve` running there?)"
                                                 % (self.url, error.strerror or error)) from None
                waited = self._wait_for_restart(deadline, delay, retry, "refused %s %s (%s)" % (method, path, error.strerror or error))
                if waited is None:
                    raise ServerUnreachableError("the Sextant server at %s stopped answering: %s (retried %s %s for %g s)"
                                                 % (self.url, error.strerror or error, method, path,
                                                    self._retry_timeout if retry else 0.0)) from None
                deadline, delay = waited
            except TimeoutError:  # socket.timeout: no answer (or no connection) within `timeout`
                raise ServerTimeoutError("%s %s/api/v1%s: no answer from the Sextant server within %g s (the client's timeout; "
                                         "the request may still have acted)" % (method, self.url, path, self._timeout)) from None
            except (OSError, http.client.HTTPException) as error:
                # A name that does not resolve, an unreachable network, a connection broken before the answer.
                raise ServerUnreachableError("%s %s/api/v1%s: no answer from the Sextant server: %s: %s"
                                             % (method, self.url, path, type(error).__name__, error or "connection closed")) from None

    def _wait_for_restart(self, deadline, delay, retry, what):
        """Sleeps before sending again a request the restarting server did not take (`what` it did instead).

        Answers the (deadline, delay) of the next attempt, or None once `retry_timeout` (0 without `retry`)
        has passed since the first refusal, the deadline None then.
        """
        now = time.monotonic()
        if deadline is None:
            deadline = now + (self._retry_timeout if retry else 0.0)
            if now < deadline:
                _log.warning("sextant_client: the server at %s %s; retrying for up to %g s", self.url, what, self._retry_timeout)
        if now >= deadline:
            return None
        time.sleep(min(delay, max(0.0, deadline - now)))
        return deadline, min(delay * 2, 5.0)

    def _request_once(self, method, path, body, query, fresh_connection=False):
        target = self._base + "/api/v1" + path
        if query:
            target += "?" + urllib.parse.urlencode(query)
        headers = {"Accept": "application/json"}
        payload = None
        if body is not None:
            payload = json.dumps(body, allow_nan=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if self._token is not None:
            headers["Authorization"] = "Bearer " + self._token
        connection = getattr(self._local, "connection", None)
        idle = time.monotonic() - getattr(self._local, "last_used", 0.0)
        if connection is not None and (idle > self._MAX_IDLE_SECONDS or fresh_connection):
            # A kept-alive socket the server may just have closed is retried once below, as if the
            # request never arrived; a request that must never be sent twice (ask: a second trial,
            # the first left running) takes a new connection instead and is never re-sent.
            connection.close()
            connection = None
        for attempt in (0, 1):
            fresh = connection is None
            if fresh:
                connection = self._open()
            try:
                connection.request(method, target, body=payload, headers=headers)
                response = connection.getresponse()
                raw = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                connection.close()
                connection = None
                self._local.connection = None
                # A reused socket that the server had just closed: the request never arrived. Retry once.
                if fresh or attempt == 1:
                    raise
            except BaseException:
                # http.client leaves a connection that failed mid-request unable to send another.
                connection.close()
                self._local.connection = None
                raise
        self._local.connection = connection
        self._local.last_used = time.monotonic()
        self._reached = True
        try:
            data = json.loads(raw.decode("utf-8")) if raw else None
        except ValueError:  # UnicodeDecodeError included
            # Another program on that port, or a proxy's error page (502 while the server restarts):
            # say so, rather than let a JSONDecodeError that names neither the URL nor the status escape.
            error = SextantError(response.status, "%s %s: the server at %s answered HTTP %d %s with a body that is not JSON "
                                 "(Content-Type %s, beginning %r); is a Sextant server listening there?"
                                 % (method, target, self.url, response.status, response.reason,
                                    response.getheader("Content-Type") or "none", raw[:80].decode("utf-8", "replace")))
            error._from_proxy = response.status in (502, 503, 504)
            raise error from None
        sextant_error = isinstance(data, dict) and isinstance(data.get("error"), dict)
        if response.status < 400 or sextant_error:
            # The Sextant server itself answered: a proxy's outage answer later means it is restarting.
            self._answered = True
        if response.status >= 400:
            error = (data or {}).get("error", {}) if isinstance(data, dict) else {}
            message = error.get("message") or response.reason
            code = error.get("code")
            if response.status == 409 and code == "trial_budget_spent":
                cls = TrialBudgetSpentError
            elif response.status == 409 and code == "sampler_exhausted":
                cls = SamplerExhaustedError
            elif response.status == 409 and code == "study_half_made":
                cls = HalfMadeStudyError
            elif response.status == 409 and code == "fixed_param_out_of_range":
                cls = FixedParamOutOfRangeError
            elif response.status == 409 and code in ("grid_value_out_of_range", "param_not_in_grid"):
                cls = GridMismatchError
            elif response.status == 500 and code == "sampler_failed":
                cls = SamplerFailedError
            elif response.status == 409 and error.get("field") == "body.name":
                cls = DuplicatedStudyError
            else:
                cls = SextantError
            raised = cls(response.status, message, error.get("field"), code)
            # The server never answers 502 or 504; a 503 of its own (storage busy) says so in its JSON.
            raised._from_proxy = response.status in (502, 504) or (response.status == 503 and not sextant_error)
            raise raised
        return data


def _describe(value):
    """How a value that is not a number reads in an error: its repr, or its length or shape for sequences and arrays."""
    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple) and len(shape) == 1 or isinstance(value, (list, tuple)):
        return "but a sequence of length %d was given" % (shape[0] if isinstance(shape, tuple) else len(value))
    if isinstance(shape, tuple) and len(shape) > 1:
        return "but an array of shape %s was given" % (tuple(int(n) for n in shape),)
    return "got %r" % (value,)


def _unwrap(value):
    """The Python value inside a numpy scalar or 0-d array (or a like type); any other value as it is.

    Duck-typed, so that the client needs no numpy: numpy's scalars and 0-d arrays (and those of
    PyTorch, JAX, CuPy) all have `.item()` and the shape ``()``.
    """
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "shape", None) == ():
        return item()
    return value


def _number(value, field):
    """`value` as a plain finite int or float, for JSON: Python and numpy numbers, 0-d arrays, Decimal, Fraction.

    Integers (int, numpy.int64) stay integers; other reals (numpy.float32, Decimal, Fraction) become floats.
    A bool, a string, a sequence or an array is a TypeError naming `field`; NaN or infinity a ValueError.
    """
    plain = _unwrap(value)
    if isinstance(plain, bool) or not isinstance(plain, (numbers.Real, decimal.Decimal)):
        # numpy.bool_ unwraps to a bool: refused like one, where a count or a measurement is expected.
        raise TypeError("%s must be a number, %s" % (field, _describe(value)))
    if isinstance(plain, numbers.Integral):
        return int(plain)
    number = _float(plain)
    if not math.isfinite(number):
        raise NonFiniteValueError("%s must be finite, got %r" % (field, value))
    return number


def _float(plain):
    """float(plain) for a real number, NaN for a signalling NaN Decimal (which float() refuses)."""
    try:
        return float(plain)
    except ValueError:
        return math.nan


class NonFiniteValueError(ValueError):
    """A NaN or an infinity given where the client needs a finite number, raised before anything is sent.

    A suggest_* bound or categorical choice, a report's step, a pruned trial's constraint value, a
    heartbeat_interval: JSON has no number for NaN and the infinities, and the server refuses them
    there. A ValueError, so code that catches ValueError keeps working. Where a NaN or an infinity
    has a meaning it is no error: a complete trial's NaN value or constraint fails the trial with a
    warning (as in Optuna), a report's NaN or infinite value is recorded for the pruner, and user
    attributes keep them.

    Example::

        try:
            trial.suggest_float("lr", low, high, log=True)
        except sextant_client.NonFiniteValueError:
            ...  # a bound computed from a diverged run
    """


def _json_float(value):
    """`value` for JSON: a NaN or an infinity by the name the server reads ("NaN", "Infinity", "-Infinity")."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


# NaN and infinities inside attributes travel as {"$sextant:number": "NaN"} ("Infinity", "-Infinity"): JSON has no
# number for them, and a bare "Infinity" there is a string. An attribute's own one-key object of that shape (the key
# with any number of "$" in front) travels with one "$" more. The server reads and writes them the same way.
_NON_FINITE_TAG = "$sextant:number"
_TAG_LIKE_KEY = re.compile(r"\$+sextant:number\Z")
_NON_FINITE_NUMBERS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def _tag_like_key(value):
    """The one key of a dict shaped like the tag, or None."""
    if len(value) != 1:
        return None
    (key,) = value
    return key if isinstance(key, str) and _TAG_LIKE_KEY.match(key) else None


def _from_wire(value):
    """An attribute's value as the server sent it, with its tags read back into NaN and infinities."""
    if isinstance(value, list):
        return [_from_wire(item) for item in value]
    if not isinstance(value, dict):
        return value
    out = {key: _from_wire(item) for key, item in value.items()}
    key = _tag_like_key(out)
    if key is None:
        return out
    if key != _NON_FINITE_TAG:
        return {key[1:]: out[key]}
    name = out[key]
    return _NON_FINITE_NUMBERS[name] if isinstance(name, str) and name in _NON_FINITE_NUMBERS else out


def _integer(value, field):
    """`value` as a plain int: any number of whole value (3, 3.0, numpy.int64(3), Decimal("3")); ValueError otherwise."""
    number = _number(value, field)
    if number != int(number):
        raise ValueError("%s must be an integer, got %r" % (field, value))
    return int(number)


def _choice(value, field):
    """A categorical choice as JSON has it: None, a bool, a finite int or float, or a str (numpy's scalars unwrapped)."""
    plain = _unwrap(value)
    if plain is None or isinstance(plain, bool):
        return plain
    if isinstance(plain, str):
        return str(plain)  # numpy.str_ is a str already; str() gives the plain one
    if isinstance(plain, (numbers.Real, decimal.Decimal)):
        return _number(plain, field)
    raise TypeError("%s must be None, bool, int, float or str, got %r (a %s)" % (field, value, type(value).__name__))


_MAX_EXACT_INT = 2 ** 53 - 1


def _json(value, field, depth=0):
    """`value` with every number made plain (see _number) and arrays made lists, for a JSON-valued field.

    A type JSON has no form for (a set, an object) is a TypeError naming where it sits, e.g.
    ``user_attrs['scores'][2]``. NaN and infinities become the server's tags (see _from_wire), which it reads back.
    """
    if depth > 100:
        # The server takes 64 levels; this catches a list or dict that holds itself before Python's recursion limit.
        raise ValueError("%s nests more than 100 deep (does a list or dict hold itself?)" % field)
    plain = _unwrap(value)
    if plain is None or isinstance(plain, (bool, str)):
        return plain
    if isinstance(plain, (numbers.Real, decimal.Decimal)):
        try:
            number = _number(plain, field)
        except NonFiniteValueError:
            # Kept, as Optuna keeps a user attribute's NaN, by the tag the server reads back as the number.
            return {_NON_FINITE_TAG: _json_float(_float(plain))}
        # The server reads JSON numbers as doubles: a larger integer came back changed (2**53 + 1 as
        # 2**53), without a word. A 64-bit id or seed belongs in a string.
        if isinstance(number, int) and abs(number) > _MAX_EXACT_INT:
            raise ValueError("%s: %d is beyond the integers a JSON number keeps exactly (up to 2**53 - 1 either way); "
                             "send it as a string, str(value)" % (field, number))
        return number
    if isinstance(plain, collections.abc.Mapping):
        out = {}
        for key, item in plain.items():
            plain_key = _unwrap(key)
            if isinstance(plain_key, str):
                plain_key = str(plain_key)
            elif isinstance(plain_key, (numbers.Real, decimal.Decimal)) and not isinstance(plain_key, bool):
                # json.dumps writes a number key as a string; numpy's need making plain first.
                plain_key = _number(plain_key, "%s: the key %r" % (field, key))
            elif plain_key is not None and not isinstance(plain_key, bool):
                raise TypeError("%s: keys must be str, int, float, bool or None, got %r (a %s)" % (field, key, type(key).__name__))
            out[plain_key] = _json(item, "%s[%r]" % (field, plain_key), depth + 1)
        key = _tag_like_key(out)
        return {"$" + key: out[key]} if key is not None else out
    if isinstance(plain, (list, tuple)):
        return [_json(item, "%s[%d]" % (field, i), depth + 1) for i, item in enumerate(plain)]
    tolist = getattr(plain, "tolist", None)
    if callable(tolist) and isinstance(getattr(plain, "shape", None), tuple):
        return _json(tolist(), field, depth)
    raise TypeError("%s: JSON has no form for %r (a %s); use None, bool, a number, str, list or dict"
                    % (field, value, type(value).__name__))


def _plain_bounds(call, name, **bounds):
    """The bounds as plain numbers; refuses, naming the call and the parameter, one that is not a finite number."""
    return {key: None if value is None else _number(value, "%s(%r): %s" % (call, name, key)) for key, value in bounds.items()}


def _quote(name):
    """A study's name as a path segment, for names an older Sextant accepted too (as the dashboard sends them).

    "." and ".." are percent-encoded twice, since URL parsers drop such a segment even percent-encoded, and a
    lone surrogate (which has no UTF-8 form: quote raised UnicodeEncodeError) is sent as its WTF-8 bytes; the
    server decodes either once more when no study has the name as sent.
    """
    if name in (".", ".."):
        return name.replace(".", "%252E")
    return urllib.parse.quote(name.encode("utf-8", "surrogatepass"), safe="")


class _Heartbeat(threading.Thread):
    """Tells the server, every `interval` seconds, that the process running a trial is alive.

    A thread, so that an objective busy in a long computation still beats; the server's reaper
    fails only trials whose beats stop (a killed or disconnected client).
    """

    def __init__(self, study, number, interval, trial_id):
        super().__init__(name="sextant-heartbeat-%d" % number, daemon=True)
        self._study = study
        self._number = number
        self._query = {"trialId": trial_id} if trial_id is not None else None
        self._interval = interval
        self._stopped = threading.Event()
        self.beats = 0
        # Beats the server refused for the token (401) or as forbidden (403); the first one is logged.
        self.refused_beats = 0
        # Requests of this client that may finish the trial (its tell, a suggest the server may fail it
        # for) under way: a beat that meets the trial finished meanwhile is no news (see may_finish_trial).
        self._finishing_requests = 0
        self._finishing_lock = threading.Lock()

    def run(self):
        path = "/studies/%s/trials/%d/heartbeat" % (_quote(self._study.study_name), self._number)
        try:
            while not self._stopped.wait(self._interval):
                try:
                    # No waiting for a restart here: the next beat is the retry. A beat is safe to repeat after a 503.
                    self._study._connection.request("POST", path, query=self._query, retry=False, repeatable=True)
                    self.beats += 1
                except SextantError as error:
                    if error.status in (404, 409):
                        self._gone(error)
                        return  # finished or deleted elsewhere: nothing left to keep alive
                    if error.status in (401, 403):
                        self._refused(error)
                    # Any error answer, or none (ServerUnreachableError): the next beat tries again. A
                    # refused one too: a server restarted with this client's token takes them again.
        finally:
            self._study._connection.close()

    def _refused(self, error):
        """Logs, once per trial, a beat the server refused: nothing else would say so before its tell.

        The server fails a trial whose beats it has not taken for its heartbeat grace, and the tell of
        the result, an hour later perhaps, is refused the same way; the objective's own requests
        may be as far apart.
        """
        self.refused_beats += 1
        if self.refused_beats > 1 or self._stopped.is_set():
            return
        if error.status == 401:
            remedy = ("was it restarted with another token? Start it again with this client's token, or give this client "
                      "the server's (token=... or SEXTANT_TOKEN) and run the trial again")
        else:
            remedy = "the server's message says why; a server that takes no writes cannot keep this trial either"
        _log.warning("sextant_client: trial %d of study %r: the server at %s refused its heartbeat with HTTP %d (%s); "
                     "%s. The beats go on, but unless one gets through within the server's heartbeat grace, the "
                     "server fails the trial and will not take its result (further refused beats of this trial "
                     "are not logged)", self._number, self._study.study_name, self._study._connection.url, error.status,
                     error.message, remedy)

    @contextlib.contextmanager
    def may_finish_trial(self):
        """Around a request of this client that may finish the trial, and the stop of the beats that follows it.

        A beat the server answers in the meantime may find the trial finished by that very request:
        its answer, not the beat, tells the caller what became of the trial.
        """
        with self._finishing_lock:
            self._finishing_requests += 1
        try:
            yield
        finally:
            with self._finishing_lock:
                self._finishing_requests -= 1

    def _gone(self, error):
        """Logs a beat answered 404 or 409 (unless this client itself finished the trial): the trial is not running any more.

        The beats stop, and nothing else would say so before the tell: the objective would run on for a
        result the server will not take.
        """
        with self._finishing_lock:
            if self._finishing_requests or self._stopped.is_set():
                return
        if error.status == 404:
            what = "the server no longer has the trial: was its study deleted?"
        else:
            what = ("the trial was finished elsewhere (failed by a reaper once its beats went unheard for the heartbeat "
                    "grace, or told by another client), or is not the trial this client asked for")
        _log.warning("sextant_client: trial %d of study %r: the server at %s answered its heartbeat with HTTP %d (%s); "
                     "%s. Its beats stop, and the server will not take the result of its objective (optimize then "
                     "warns and goes on with the next trial; a tell raises SextantError)", self._number,
                     self._study.study_name, self._study._connection.url, error.status, error.message, what)

    def stop(self):
        self._stopped.set()


# The codes of a suggest's error answer (409, or 500 for the sampler's own failure) after which the
# server has failed the trial itself: it cannot go on.
_CODES_OF_A_FAILED_TRIAL = ("fixed_param_out_of_range", "grid_value_out_of_range", "param_not_in_grid", "sampler_failed")
# How many such trials a Study remembers by number for a tell by number (the library keeps as many).
_FAILED_BY_SERVER_KEPT = 1024


class Trial:
    """A running trial. Parameters are sampled by the server, one call per new name (define-by-run).

    A `suggest_*` that raises FixedParamOutOfRangeError, GridMismatchError or SamplerFailedError
    leaves a trial that cannot go on: the server has failed it with the error's message as its reason, its heartbeat
    stops, and `study.tell(trial, state=TrialState.FAIL)` returns it as stored.
    """

    def __init__(self, study, data):
        self.study = study
        self.number = data["number"]
        self._id = data.get("id")
        self._distributions = _as_declared(data["distributions"], study._declared)
        self._params = _typed_params(data["params"], self._distributions)
        self._user_attrs = _from_wire(data["userAttrs"])
        self._should_prune = False
        self._warned_repeated_step = False
        # Why the server failed this trial when a suggest could not be served, or None (see _suggest).
        self._failed_by_server = None

    @property
    def params(self):
        return dict(self._params)

    @property
    def distributions(self):
        return dict(self._distributions)

    def _path(self, action):
        return "/studies/%s/trials/%d/%s" % (_quote(self.study.study_name), self.number, action)

    def _query(self):
        # The server refuses (409) a request whose trial of this number is another one: the study was
        # deleted and created again under its name, and this trial's results must not land in the new one.
        return {"trialId": self._id} if self._id is not None else None

    def _suggest(self, name, distribution):
        wire = distribution.to_json()
        # Compared as the server compares: choices [1, 2] are not [True, 2], which it answers with a conflict.
        if name in self._params and _json_key(self._distributions.get(name)) == _json_key(wire):
            return self._params[name]
        # Safe to repeat after a 503: the same name and distribution give the same value.
        with self.study._while_trial_may_finish(self.number):
            try:
                value = self.study._connection.request("POST", self._path("suggest"), {"name": name, "distribution": wire},
                                                       query=self._query(), repeatable=True)["value"]
            except SextantError as error:
                if error.status in (409, 500) and error.code in _CODES_OF_A_FAILED_TRIAL:
                    # The server has failed the trial with this reason before answering: nothing is left
                    # to keep alive, and a tell of FAIL (what callers did before) answers what it stored.
                    self._failed_by_server = error.message
                    self.study._forget_trial(self.number)
                    self.study._note_failed_by_server(self.number, error.message)
                raise
        self.study._declare(name, wire)
        value = _typed_param(value, wire)
        self._params[name] = value
        self._distributions[name] = wire
        return value

    def suggest_float(self, name, low, high, *, step=None, log=False):
        """A float in [low, high]; `log=True` samples on a log scale, `step` on a grid."""
        bounds = _plain_bounds("suggest_float", name, low=low, high=high, step=step)
        return self._suggest(name, FloatDistribution(bounds["low"], bounds["high"], log=log, step=bounds["step"]))

    def suggest_int(self, name, low, high, step=1, log=False):
        """An int in {low, ..., high}, every `step`-th one; `log=True` samples on a log scale."""
        bounds = {key: None if bound is None else _integer(bound, "suggest_int(%r): %s" % (name, key))
                  for key, bound in (("low", low), ("high", high), ("step", step))}
        return self._suggest(name, IntDistribution(bounds["low"], bounds["high"], log=log,
                                                   step=1 if bounds["step"] is None else bounds["step"]))

    def suggest_categorical(self, name, choices):
        """One of `choices` (each None, a bool, an int, a float or a str, as in Optuna)."""
        # numpy's scalars (numpy.str_, numpy.int64, numpy.bool_ ...) are made plain, as JSON and the server have them.
        choices = tuple(_choice(choice, "suggest_categorical(%r): choices" % name) for choice in choices)
        return self._suggest(name, CategoricalDistribution(choices))

    @property
    def user_attrs(self):
        return dict(self._user_attrs)

    def set_user_attr(self, key, value):
        """Attaches a JSON-serializable value to the trial under `key` (kept by the server)."""
        try:
            value = _json(value, "value")
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise type(error)("set_user_attr(%r): the value must be JSON (NaN and infinities included): %s" % (key, error)) from None
        answer = self.study._connection.request("POST", self._path("user-attrs"), {"key": key, "value": value}, query=self._query(), repeatable=True)
        self._user_attrs = _from_wire(answer["userAttrs"])

    def report(self, value, step):
        """Records an intermediate value; the server's pruner judges it at once (see should_prune).

        A step keeps its first value, as in Optuna: reporting it again with another value changes
        nothing and logs a warning (once per trial) on the "sextant_client" logger.
        """
        try:
            value = float(_number(value, "report: value"))
        except NonFiniteValueError:
            # A diverged run's NaN or infinity: recorded (by name, which JSON can carry) for the
            # pruner to judge, as Optuna records it. It raised and ended optimize.
            value = _float(_unwrap(value))
        step = _integer(step, "report: step")
        # Safe to repeat after a 503: a step reported again with the same value changes nothing.
        answer = self.study._connection.request("POST", self._path("report"), {"step": step, "value": _json_float(value)}, query=self._query(), repeatable=True)
        self._should_prune = bool(answer["shouldPrune"])
        if answer.get("ignored") and not self._warned_repeated_step:
            self._warned_repeated_step = True
            _log.warning("sextant_client: trial %d: step %d was already reported; ignoring %r (a step keeps its first value; "
                         "further repeats in this trial are ignored without a warning)", self.number, step, value)

    def should_prune(self):
        """Whether the pruner said to stop, judged on the last reported value. Raise TrialPruned if so."""
        return self._should_prune

    def __repr__(self):
        return "Trial(number=%d, params=%r)" % (self.number, self._params)


class _Closable:
    """`with` support for an object that holds a connection: its `close()` runs on leaving the block."""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


class Study(_Closable):
    """A study on a Sextant server. Create it with create_study or load_study."""

    def __init__(self, connection, data, heartbeat_interval=5.0):
        self._connection = connection
        self._heartbeat_interval = heartbeat_interval
        self._heartbeat_interval_checked = False
        # Whether the server records the interval an ask gives (a server older than this client refuses the field).
        self._server_records_beat_interval = True
        self._heartbeats = {}
        self.study_name = data["name"]
        self.directions = list(data["directions"])
        self._trials = {}
        self._seq = 0
        self._declared = {}
        # The trial cache is read and extended by every thread that shares this Study: a declaration
        # rebuilding it while a refresh added to it raised "dictionary changed size during iteration".
        self._cache_lock = threading.RLock()
        # The id of each trial this object asked, so that a tell by number names the trial it means.
        self._asked_ids = {}
        # Why the server failed each trial this object asked when a suggest could not be served, by
        # number (the last _FAILED_BY_SERVER_KEPT), so a tell of FAIL by number answers it as stored.
        self._failed_by_server_by_number = collections.OrderedDict()
        # The study's id as the server last gave it (a re-created study has another).
        self._study_id = data.get("id")

    @property
    def direction(self):
        if len(self.directions) != 1:
            raise RuntimeError("this study has several objectives; use .directions")
        return self.directions[0]

    def _path(self, suffix=""):
        return "/studies/%s%s" % (_quote(self.study_name), suffix)

    def _declare(self, name, wire):
        """Remembers a categorical distribution as sent, so that trials read back give its choices as declared.

        The server reads JSON into JavaScript numbers: a choice of 1.0 is stored, and sent back, as 1.
        Its distribution then has the same JSON key (see _json_key) as the one sent, by which
        FrozenTrial and Trial find the declared choices again.
        """
        if wire.get("type") == "categorical":
            key = (name, _json_key(wire))
            with self._cache_lock:
                if key not in self._declared:
                    self._declared[key] = wire
                    # Trials read before this declaration gave its choices as the server stores them
                    # (1.0 as 1), beside 1.0 from trials read after: read them again as declared.
                    self._trials = {number: FrozenTrial(trial._data, self._declared) for number, trial in self._trials.items()}

    def ask(self, fixed_distributions=None):
        """Starts a trial. Parameters in `fixed_distributions` (name -> *Distribution) are sampled at once.

        With heartbeats on (see create_study), the trial's start counts as its first beat: a process
        killed at any moment after this leaves a trial the server fails once the grace has passed.
        """
        body = {}
        if self._heartbeat_interval:
            if not self._heartbeat_interval_checked:
                # Before the first trial: a study is still made or loaded for reading with any interval.
                _check_heartbeat_interval(self._connection, self._heartbeat_interval, "ask", self.study_name)
                self._heartbeat_interval_checked = True
            body["heartbeat"] = True
            if self._server_records_beat_interval:
                # Recorded on the trial: no reaper (another server, a worker) then fails it before twice this silence.
                body["heartbeatIntervalSeconds"] = self._heartbeat_interval
        if fixed_distributions:
            body["space"] = {}
            for name, distribution in fixed_distributions.items():
                try:
                    body["space"][name] = distribution.to_json()
                except (TypeError, ValueError) as error:
                    raise type(error)("ask: fixed_distributions[%r]: %s" % (name, error)) from None
        try:
            data = self._connection.request("POST", self._path("/trials"), body, fresh=True)["trial"]
        except SextantError as error:
            if not _refused_as_unknown_field(error, "body.heartbeatIntervalSeconds"):
                raise
            # A server older than this client: it refused the body before making a trial, so asking again starts one trial.
            self._server_records_beat_interval = False
            del body["heartbeatIntervalSeconds"]
            data = self._connection.request("POST", self._path("/trials"), body, fresh=True)["trial"]
        for name, wire in body.get("space", {}).items():
            self._declare(name, wire)
        trial = Trial(self, data)
        self._asked_ids[trial.number] = trial._id
        # A study deleted and made again under its name numbers its trials afresh: this one is running.
        self._failed_by_server_by_number.pop(trial.number, None)
        if self._heartbeat_interval:
            heartbeat = _Heartbeat(self, trial.number, self._heartbeat_interval, trial._id)
            self._heartbeats[trial.number] = heartbeat
            heartbeat.start()
        return trial

    def tell(self, trial, values=None, state=None, constraints=None):
        """Finishes a trial (a Trial or its number): with its value(s), or state=TrialState.PRUNED / FAIL.

        `constraints` (complete and pruned trials) are the trial's constraint values, feasible when
        every one is <= 0; a constrained study's trials all give the same number of them. A pruned
        trial's are kept as Optuna 3.1 keeps them (its TPE ranks the trial by them); a NaN, infinite
        or non-number one is a ValueError before anything is sent, and the trial stays running, as
        the library and the HTTP API refuse them. Values with
        state PRUNED or FAIL are a ValueError, as in Optuna; a pruned trial keeps its last reported value.
        """
        if isinstance(trial, Trial) and (trial.study.study_name, trial.study._connection.url) != (self.study_name, self._connection.url):
            # Told by number, it landed on this study's trial of that number: another trial's result
            # overwritten (or a 409 that blamed a re-created study), and the right trial left running.
            raise ValueError("tell: trial %d belongs to study %r at %s, not to %r at %s; tell it through its own study"
                             % (trial.number, trial.study.study_name, trial.study._connection.url, self.study_name, self._connection.url))
        number = trial.number if isinstance(trial, Trial) else _integer(trial, "tell: trial")
        failed_by_server = trial._failed_by_server if isinstance(trial, Trial) else self._failed_by_server_by_number.get(number)
        if failed_by_server is not None and state == TrialState.FAIL and values is None:
            # The server failed it when a suggest could not be served; its tell would answer 409.
            # By number too, as the TypeScript library answers either.
            return self._stored_trial(number)
        # A trial asked through another object of this study (loaded again) names its id too, and its beats stop with the tell.
        trial_id = trial._id if isinstance(trial, Trial) else None
        asker = trial.study if isinstance(trial, Trial) else self
        if state is None:
            state = TrialState.COMPLETE
        if state in (TrialState.PRUNED, TrialState.FAIL) and values is not None:
            # As Optuna 3.1's tell (optuna/study/_tell.py) refuses them; sent, they would be dropped or stored unlike Optuna.
            raise ValueError("tell: values were given with state %s; a pruned or failed trial takes no values, as in Optuna "
                             "(a pruned trial keeps its last reported value). Tell values with state COMPLETE, or no values"
                             % state.name)
        if state == TrialState.COMPLETE:
            if values is None:
                raise ValueError("tell: a complete trial needs its value(s)")
            try:
                told = _as_values(values, "tell: values")
                # A NaN or infinite constraint leaves the trial's feasibility unknown: it fails too,
                # as in the library. It raised, and the trial stayed running until reaped.
                told_constraints = None if constraints is None else _as_values(constraints, "tell: constraints")
            except NonFiniteValueError as error:
                # As Optuna's tell and the library do: the trial fails with the reason, and the
                # caller is warned. It raised, and the trial stayed running.
                warnings.warn("sextant_client: trial %d failed: %s" % (number, error), stacklevel=2)
                return self._finish(number, {"state": "failed", "reason": str(error)}, trial_id=trial_id, asker=asker)
            body = {"state": "complete", "values": told}
            if told_constraints is not None:
                body["constraints"] = told_constraints
        elif state == TrialState.PRUNED:
            body = {"state": "pruned"}
            if constraints is not None:
                try:
                    body["constraints"] = _as_values(constraints, "tell: constraints")
                except (TypeError, ValueError) as error:
                    refused = NonFiniteValueError if isinstance(error, NonFiniteValueError) else ValueError
                    raise refused("tell: trial %d: a pruned trial's constraints: %s; tell them again, or leave them out" % (number, error)) from None
        elif constraints is not None:
            raise ValueError("tell: only a complete or pruned trial has constraints")
        elif state == TrialState.FAIL:
            body = {"state": "failed"}
        else:
            raise ValueError("tell: state must be COMPLETE, PRUNED or FAIL, got %r" % (state,))
        return self._finish(number, body, trial_id=trial_id, asker=asker)

    def _finish(self, number, body, retry=True, trial_id=None, asker=None):
        """Tells the server the trial's result; its heartbeat goes on until the server has it.

        A refused tell (a 400), or one that got no answer, leaves the trial running and this
        client's to tell again: it keeps beating, or the server would reap it as failed. Only a
        tell that was stored, or that the server answers with 404 or 409 (the trial is gone or was
        finished elsewhere), stops the beats, this object's and those of `asker` (the Study object
        that asked the trial, when another). Safe to repeat after a 503: a busy storage stored
        nothing, and a trial told twice answers 409, never a second result.
        """
        studies = [self] if asker is None or asker is self else [self, asker]
        if trial_id is None:
            trial_id = self._asked_ids.get(number)
        query = {"trialId": trial_id} if trial_id is not None else None
        with contextlib.ExitStack() as finishing:
            for study in studies:
                finishing.enter_context(study._while_trial_may_finish(number))
            try:
                answer = self._connection.request("POST", self._path("/trials/%d/tell" % number), body, query=query, retry=retry, repeatable=True)
            except SextantError as error:
                if error.status in (404, 409):
                    for study in studies:
                        study._forget_trial(number)
                stored = self._stored_as_told(number, body, trial_id) if error.status == 409 and error.field == "path.number" else None
                if stored is None:
                    raise
                return stored
            for study in studies:
                study._forget_trial(number)
        return FrozenTrial(answer["trial"], self._declared)

    def _stored_as_told(self, number, body, trial_id):
        """The trial as stored when it holds exactly the result `body` told, else None.

        A tell whose answer was lost after the server had stored it (the connection broke, the server
        restarted) is sent again, and that repeat meets the 409 of a trial no longer running: without
        this, the client's own result read as one another client or a reaper had put in its place.
        A failed trial counts only with the reason sent, since a reaper fails trials too.
        """
        if body["state"] == "failed" and "reason" not in body:
            return None
        try:
            stored = self._stored_trial(number)
        except SextantError:
            return None
        if trial_id is not None and stored._data.get("id") != trial_id:
            return None
        told = (stored.state.value == body["state"]
                and ("values" not in body or stored.values == body["values"])
                and ("constraints" not in body or stored.constraints == body["constraints"])
                and ("reason" not in body or stored.system_attrs.get("failReason") == body["reason"]))
        return stored if told else None

    def _note_failed_by_server(self, number, reason):
        self._failed_by_server_by_number[number] = reason
        while len(self._failed_by_server_by_number) > _FAILED_BY_SERVER_KEPT:
            self._failed_by_server_by_number.popitem(last=False)

    def _while_trial_may_finish(self, number):
        """A context around a request that may finish trial `number` (see _Heartbeat.may_finish_trial)."""
        heartbeat = self._heartbeats.get(number)
        return heartbeat.may_finish_trial() if heartbeat is not None else contextlib.nullcontext()

    def _stop_heartbeat(self, number):
        heartbeat = self._heartbeats.pop(number, None)
        if heartbeat is not None:
            heartbeat.stop()

    def _forget_trial(self, number):
        """Stops the trial's beats and drops its asked id: the server has its result, or it is gone."""
        self._stop_heartbeat(number)
        self._asked_ids.pop(number, None)

    def _fail(self, trial, reason, retry=True):
        if trial._failed_by_server is not None:
            # Failed by the server already, with its own reason: not a trial finished elsewhere.
            return self._stored_trial(trial.number)
        return self._finish(trial.number, {"state": "failed", "reason": reason[:10000]}, retry=retry)

    def _stored_trial(self, number):
        return FrozenTrial(self._connection.request("GET", self._path("/trials/%d" % number))["trial"], self._declared)

    def optimize(self, objective, n_trials=None, timeout=None, catch=(), callbacks=None, constraints_func=None):
        """Runs `objective(trial)` on new trials until `n_trials` or `timeout` seconds (with neither: until interrupted).

        It also stops, without an error, when the server has no trial to give: a study made by
        `sextant create --trials N` has handed out all N (to this or any other client or worker), or
        its sampler has nothing left to propose (a grid whose every point was taken), as the
        library's optimize does.
        Raising TrialPruned prunes the trial. Any other exception fails it and is raised again,
        unless it is an instance of `catch` (an exception class or a tuple of them, as in Optuna).
        A value that is not a finite number fails the trial and the study goes on; so does a trial
        enqueued at a value outside the range its objective suggests (FixedParamOutOfRangeError,
        with a warning logged); a retry's kept value is sampled anew instead.
        `constraints_func(trial)`, called after the objective
        returns or raises TrialPruned, gives the trial's constraint values (feasible when all are
        <= 0), as Optuna 3.1's samplers' constraints_func does for complete and pruned trials. A
        pruned trial whose constraints cannot be had stays pruned without them, with a warning.
        """
        # Checked before the first trial: a bad `catch` would otherwise surface only once the
        # objective raised, as a TypeError in place of its exception.
        catch = (catch,) if isinstance(catch, type) else tuple(catch)
        if not all(isinstance(kind, type) and issubclass(kind, BaseException) for kind in catch):
            raise TypeError("optimize: catch must be an exception class or a tuple of them, got %r" % (catch,))
        deadline = None if timeout is None else time.monotonic() + timeout
        done = 0
        while (n_trials is None or done < n_trials) and (deadline is None or time.monotonic() < deadline):
            try:
                trial = self.ask()
            except (TrialBudgetSpentError, SamplerExhaustedError) as error:
                _log.info("sextant_client: optimize stops after %d trial(s): %s", done, error.message)
                return
            done += 1
            try:
                result = objective(trial)
            except TrialPruned:
                frozen = self._finish_in_optimize(trial, lambda: self._tell_pruned(trial, constraints_func))
            except FixedParamOutOfRangeError as error:
                # The queue's value, not the objective, is at fault: this trial can never run, the next can.
                _log.warning("sextant_client: trial %d fails and optimize goes on: %s", trial.number, error.message)
                frozen = self._finish_in_optimize(trial, lambda: self._fail(trial, error.message))
            except Exception as error:
                reason = "%s: %s" % (type(error).__name__, error)
                frozen = self._finish_in_optimize(trial, lambda: self._fail(trial, reason))
                if not isinstance(error, catch):
                    raise
            except KeyboardInterrupt:
                # As in Optuna, the interrupted trial fails; left running, its heartbeat thread would
                # keep it alive for as long as the process (a notebook's kernel) lives.
                try:
                    # Not retried: waiting out a restart window here held Ctrl-C back for a minute or more.
                    self._fail(trial, "KeyboardInterrupt: interrupted", retry=False)
                except (SextantError, OSError):
                    pass  # the server is unreachable: the trial stays running, and once its beats stop it is reaped
                finally:
                    self._stop_heartbeat(trial.number)
                raise
            else:
                frozen = self._finish_in_optimize(trial, lambda: self._tell_result(trial, result, constraints_func))
            for callback in callbacks or ():
                callback(self, frozen)

    def _finish_in_optimize(self, trial, finish):
        """`finish()` (optimize's tell of `trial`), or, when the trial was finished elsewhere, the trial as stored.

        The server answers 409 to a tell of a trial that is no longer running: its reaper failed it
        (no heartbeat in time) or another client or server told it first. What was stored stands;
        as the TypeScript library's optimize does, this warns and the run goes on with the next
        trial. A direct `tell()` still raises, and any other error still stops the run; the trial's
        heartbeat stops then, since its result goes with the error and nothing will tell it: the
        server reaps it as failed after its grace.
        """
        try:
            return finish()
        except BaseException as error:
            if not (isinstance(error, SextantError) and error.status == 409):
                self._stop_heartbeat(trial.number)
                raise
            # stacklevel 3: the warning points at the caller of optimize, not at the client's code.
            warnings.warn("sextant_client: trial %d was finished elsewhere before optimize could tell it (%s); "
                          "its result here is dropped and the run goes on" % (trial.number, error.message), stacklevel=3)
            # The callbacks get what the server kept.
            return self._stored_trial(trial.number)

    def _tell_pruned(self, trial, constraints_func):
        """Tells `trial` pruned, with constraints_func's values when they can be had (as Optuna 3.1 evaluates it for pruned trials)."""
        def pruned_without_them(problem):
            warnings.warn("sextant_client: trial %d pruned without constraint values: constraints_func: %s" % (trial.number, problem), stacklevel=5)
            return self.tell(trial, state=TrialState.PRUNED)
        return self._tell_with_constraints_func(trial, constraints_func, lambda constraints: self.tell(trial, state=TrialState.PRUNED, constraints=constraints),
                                                pruned_without_them)

    def _tell_with_constraints_func(self, trial, constraints_func, tell, unusable):
        """`tell(constraints)` with constraints_func's values (None without one), or `unusable(problem)` when
        they cannot be had: the function raises, returns a NaN or non-number, or the server refuses their
        count (a 400 on body.constraints, the trial left running). Only a wrong count needs the server.
        """
        constraints = None
        if constraints_func is not None:
            try:
                constraints = _as_values(constraints_func(trial), "constraints")
            except Exception as error:
                # Said as the ValueError it is, as the reason read before NonFiniteValueError had its own name.
                kind = "ValueError" if isinstance(error, NonFiniteValueError) else type(error).__name__
                return unusable("%s: %s" % (kind, error))
        try:
            return tell(constraints)
        except SextantError as error:
            if not (error.status == 400 and (error.field or "").startswith("body.constraints")):
                raise
            return unusable(error.message)

    def _tell_result(self, trial, result, constraints_func=None):
        try:
            values = _as_values(result, "values")
        except (TypeError, ValueError) as error:
            return self._fail(trial, "objective returned %r: %s" % (result, error))
        if len(values) != len(self.directions):
            return self._fail(trial, "objective returned %d value(s) for %d objective(s)" % (len(values), len(self.directions)))

        def failed(problem):
            # Refused for the constraints (a wrong count from constraints_func, or none in a study
            # whose trials have them): the trial fails with the reason and the run goes on, as for
            # a wrong count of values, and as the library's optimize does. It used to stop the run,
            # and the trial stayed running until the server reaped it and queued it again.
            if constraints_func is None:
                return self._fail(trial, "%s; pass optimize(..., constraints_func=...) to report them" % problem)
            return self._fail(trial, "constraints_func: %s" % problem)
        return self._tell_with_constraints_func(trial, constraints_func, lambda constraints: self.tell(trial, values, constraints=constraints), failed)

    def _refresh(self):
        with self._cache_lock:
            while True:
                page = self._connection.request("GET", self._path("/trials"), query={"since": self._seq, "limit": 1000})
                study_id = page.get("studyId")
                if study_id is not None and self._study_id is not None and study_id != self._study_id:
                    # The study was deleted and created again under its name: the trials read so far
                    # are another study's, and its seq says nothing here. Read the new one from the start.
                    self._trials = {}
                    self._seq = 0
                    self._study_id = study_id
                    continue
                self._study_id = study_id
                for data in page["trials"]:
                    self._trials[data["number"]] = FrozenTrial(data, self._declared)
                self._seq = page["seq"]
                if not page["more"]:
                    return

    @property
    def trials(self):
        """All trials, by number (read incrementally: only what changed since the last read travels)."""
        self._refresh()
        with self._cache_lock:
            return [self._trials[number] for number in sorted(self._trials)]

    def get_trials(self, deepcopy=True, states=None):
        """The trials, optionally only those in `states`; `deepcopy` is taken for Optuna's signature (every read is a fresh copy)."""
        trials = self.trials
        if states is None:
            return trials
        wanted = tuple(states)  # once: an iterator (a generator) would be used up by the first trial
        return [t for t in trials if t.state in wanted]

    @property
    def best_trial(self):
        """The best complete trial of a single-objective study (the server keeps it; one request)."""
        if len(self.directions) != 1:
            raise RuntimeError("this study has several objectives; best_trial needs one")
        answer = self._connection.request("GET", self._path())
        best = answer["bestTrial"]
        if best is None:
            raise ValueError(self._no_best_reason(answer))
        return FrozenTrial(best, self._declared)

    def _no_best_reason(self, answer):
        """Why the study `answer` (GET /studies/{study}) has no best trial: none complete yet, or none feasible.

        A study whose complete trials all break a constraint has no best trial either (as in Optuna);
        "no trial has completed yet" sent its user looking for a run that never finished.
        """
        complete = answer["study"]["trialCounts"].get("complete", 0)
        if complete == 0:
            return "no trial of study %r has completed yet" % self.study_name
        return ("no feasible trial in study %r yet: each of its %d complete trial(s) has a constraint value above 0 "
                "(best_trial considers feasible trials only, as in Optuna)" % (self.study_name, complete))

    @property
    def best_trials(self):
        """The Pareto front: complete, feasible trials no other such trial dominates (any number of objectives)."""
        signs = [1.0 if d == "minimize" else -1.0 for d in self.directions]
        complete = [t for t in self.trials if t.state == TrialState.COMPLETE and t.values is not None]
        # As the server and the library decide: once a complete trial reports constraints, the study
        # is constrained, and a trial without them is of unknown feasibility, never on the front.
        constrained = any(t.constraints is not None for t in complete)

        def feasible(t):
            if not constrained:
                return True
            return t.constraints is not None and all(c <= 0 for c in t.constraints)

        candidates = [t for t in complete if feasible(t)]
        losses = [[s * v for s, v in zip(signs, t.values)] for t in candidates]

        def dominates(a, b):
            return all(x <= y for x, y in zip(a, b)) and any(x < y for x, y in zip(a, b))

        return [t for t, loss in zip(candidates, losses) if not any(dominates(other, loss) for other in losses)]

    @property
    def recommendation(self):
        """The study's recommended trial with its source and posterior (a :class:`Recommendation`; one request)."""
        if len(self.directions) != 1:
            raise RuntimeError("this study has several objectives; recommendation needs one")
        answer = self._connection.request("GET", self._path())
        data = answer["recommendedTrial"]
        if data is None:
            raise ValueError(self._no_best_reason(answer))
        return Recommendation(data, self._declared)

    @property
    def recommended_trial(self):
        """The recommended trial: the best posterior mean where a model says so, else the best trial."""
        return self.recommendation.trial

    @property
    def best_value(self):
        return self.best_trial.value

    @property
    def best_params(self):
        return self.best_trial.params

    @property
    def user_attrs(self):
        """The study's user attributes, as `create_study(user_attrs=...)` gave them (one request), as Optuna's study.user_attrs.

        NaN and infinities come back as floats, anywhere inside a value.
        """
        return _from_wire(self._connection.request("GET", self._path())["study"]["userAttrs"])

    def close(self):
        """Stops heartbeats of trials not yet told and closes the connection (a later call opens a new one)."""
        for heartbeat in list(self._heartbeats.values()):
            heartbeat.stop()
        self._connection.close()

    def __repr__(self):
        return "Study(%r, directions=%r, url=%r)" % (self.study_name, self.directions, self._connection.url)


def _as_values(result, field):
    """The objective values or constraints in `result` (one number or a sequence of them) as a list of floats.

    A number is anything _number takes, a 0-d array included; a 1-d array is a sequence. Errors
    name `field`, and the position in the sequence where an item is at fault: "values[1] must ...".
    """
    plain = _unwrap(result)
    if isinstance(plain, (numbers.Real, decimal.Decimal)) and not isinstance(plain, bool):
        values = [plain]
        names = [field]
    elif isinstance(plain, (str, bytes, dict)) or not isinstance(plain, collections.abc.Iterable):
        # A string would otherwise be read as a sequence of one-letter values, None not at all.
        raise TypeError("%s: expected a number or a sequence of numbers" % field)
    else:
        values = list(plain)
        names = ["%s[%d]" % (field, i) for i in range(len(values))]
    return [float(_number(value, name)) for value, name in zip(values, names)]


def _heartbeat_seconds(value, call):
    """`heartbeat_interval` checked: None (or 0) for no heartbeats, else a finite number of seconds above 0.

    A negative or NaN interval made the heartbeat thread beat without pause (hundreds of requests a
    second per trial), and a string ("5" from an environment variable) killed it at its first wait.
    """
    if value is None:
        return None
    seconds = float(_number(value, "%s: heartbeat_interval" % call))
    if seconds < 0:
        raise ValueError("%s: heartbeat_interval must be a number of seconds above 0 (or None for no heartbeats), got %r" % (call, value))
    return seconds or None


def _check_heartbeat_interval(connection, heartbeat_interval, call, study_name=None):
    """Refuses a heartbeat interval that the grace of the server, or of `sextant worker` processes on the study, would not wait for twice over, as the library refuses it.

    With beats every 70 s and the server's grace of 60 s, every trial longer than a minute was failed
    while it ran, run again elsewhere, and its result dropped. Workers on a study made by
    `sextant create --heartbeat-grace 8` fail a silent trial after 8 s, an HTTP client's included:
    the study's record says that grace. A server that does not say a grace (an older one's /health
    and study record do not) is not checked against it.
    """
    if not heartbeat_interval:
        return
    server_grace = _grace_said_at(connection, "/health")
    study_grace = None if study_name is None else _grace_said_at(connection, "/studies/" + _quote(study_name))
    if study_grace is not None and (server_grace is None or study_grace < server_grace):
        grace, whose = study_grace, ("the heartbeat grace of study %r (%g s, stored by sextant create --heartbeat-grace): its "
                                     "sextant worker processes fail" % (study_name, study_grace))
    elif server_grace is not None:
        grace, whose = server_grace, "the server's heartbeat grace (%g s): the server fails" % server_grace
    else:
        return
    if grace < 2 * heartbeat_interval:
        raise ValueError("%s: heartbeat_interval=%g s is more than half %s a trial whose client stays silent for longer "
                         "than the grace, so one late beat would fail a trial that is still running; beat at most every %g s"
                         % (call, heartbeat_interval, whose, grace / 2))


def _refused_as_unknown_field(error, field):
    """Whether `error` is a server's 400 for a request field it does not know (a server older than this client).

    The server words it `body.F: unknown field "F"`, the field first, as it words every 400 of a body.
    """
    if error.status != 400 or error.field != field:
        return False
    message = str(error.message)
    if message.startswith(field + ": "):
        message = message[len(field) + 2:]
    return message.startswith("unknown field")


def _grace_said_at(connection, path):
    """The `heartbeatGraceSeconds` of a GET of `path`, or None where the answer has none (an older server) or is an error answer."""
    try:
        grace = connection.request("GET", path).get("heartbeatGraceSeconds")
    except SextantError as error:
        if error.status is None:
            raise
        return None  # an older server, or something in front of it that answers no /health: nothing to check against
    return grace if isinstance(grace, (int, float)) and not isinstance(grace, bool) else None


def create_study(url, name, direction=None, *, directions=None, token=None, sampler=None, sampler_options=None,
                 pruner=None, pruner_options=None, load_if_exists=False, user_attrs=None, warm_start_from=None,
                 timeout=60.0, heartbeat_interval=5.0, retry_timeout=60.0):
    """Creates a study on the server at `url` (or loads it with load_if_exists=True).

    A study loaded so keeps the sampler, pruner, warm-start sources and user attributes it was
    created with: each one given here otherwise is ignored, and a UserWarning names it.

    `sampler` and `pruner` are names as the CLI takes them ("tpe", "random", "median", ...), with
    their options as dicts, e.g. sampler="tpe", sampler_options={"seed": 1}. `warm_start_from` names
    earlier single-objective studies on the server whose complete trials the sampler learns from
    (auto, tpe, gp), as `sextant create --warm-start` does; a name of no study raises SextantError
    (status 404, field body.warmStartFrom). While a trial runs,
    a thread sends a heartbeat every `heartbeat_interval` seconds (None turns it off; more than half
    the server's grace is a ValueError at the first ask, since one late beat would fail a live trial;
    each trial records it, so no server or worker fails the trial before twice that silence); a trial
    whose process is killed, even before its first beat, is failed by the server at the study's
    next ask once no beat came for the server's grace (60 s by default). A server
    that refuses connections after it has answered once is waited for up to `retry_timeout`
    seconds (a restart), then ServerUnreachableError is raised; one that never answered raises it at once.
    """
    if direction is not None and directions is not None:
        # The server and the library refuse both; this dropped `direction` without a word.
        raise ValueError("create_study: give either direction or directions, not both")
    heartbeat_interval = _heartbeat_seconds(heartbeat_interval, "create_study")
    connection = _Connection(url, token, timeout, retry_timeout)
    body = {"name": name, "loadIfExists": bool(load_if_exists)}
    # Neither given: the server minimizes a new study and keeps a found one's directions (with
    # load_if_exists), where "minimize" sent for none refused a study of several objectives.
    if directions is not None:
        body["directions"] = list(directions)
    elif direction is not None:
        body["direction"] = direction
    # Options and attributes may hold numpy's numbers (a seed drawn by numpy, say): made plain for JSON.
    if sampler is not None:
        body["sampler"] = {"name": sampler, "options": _json(dict(sampler_options or {}), "create_study: sampler_options")}
    if pruner is not None:
        body["pruner"] = {"name": pruner, "options": _json(dict(pruner_options or {}), "create_study: pruner_options")}
    if user_attrs:
        body["userAttrs"] = _json(dict(user_attrs), "create_study: user_attrs")
    if warm_start_from is not None:
        # A string would be sent as one name per letter, were it read as a sequence.
        sources = None if isinstance(warm_start_from, (str, bytes)) else list(warm_start_from)
        if sources is None or not all(isinstance(source, str) for source in sources):
            raise TypeError("create_study: warm_start_from must be a list of study names such as ['earlier-study'], got %r" % (warm_start_from,))
        body["warmStartFrom"] = sources
    # With load_if_exists a repeat loads what a first attempt created; without, it would answer 409.
    answer = connection.request("POST", "/studies", body, repeatable=bool(load_if_exists))
    # A study found keeps its own sampler, pruner and user attributes: each one given otherwise is
    # ignored, and was without a word. Warned, not raised, so a script that creates its study
    # with the same arguments on every run (or another seed) goes on; older servers send none.
    for warning in answer.get("warnings", ()):
        warnings.warn("sextant_client: %s" % warning["message"], stacklevel=2)
    return Study(connection, answer["study"], heartbeat_interval)


def load_study(url, name, *, token=None, timeout=60.0, heartbeat_interval=5.0, retry_timeout=60.0):
    """The existing study `name`; SextantError (status 404) if there is none. `retry_timeout` as in create_study."""
    heartbeat_interval = _heartbeat_seconds(heartbeat_interval, "load_study")
    connection = _Connection(url, token, timeout, retry_timeout)
    return Study(connection, connection.request("GET", "/studies/" + _quote(name))["study"], heartbeat_interval)


def delete_study(url, name, *, token=None, timeout=60.0):
    """Deletes a study and its trials."""
    connection = _Connection(url, token, timeout)
    try:
        connection.request("DELETE", "/studies/" + _quote(name))
    finally:
        connection.close()


def _study_summary(study):
    """A study of `GET /studies` with NaN and infinities as floats, in its attributes and its best value."""
    out = dict(study)
    if "userAttrs" in out:
        out["userAttrs"] = _from_wire(out["userAttrs"])
    if isinstance(out.get("bestValue"), str) and out["bestValue"] in _NON_FINITE_NUMBERS:
        out["bestValue"] = _NON_FINITE_NUMBERS[out["bestValue"]]
    return out


def list_studies(url, *, token=None, timeout=60.0):
    """Summaries of every study: name, directions, trialCounts by state, bestValue, userAttrs, halfMade."""
    connection = _Connection(url, token, timeout)
    try:
        studies = connection.request("GET", "/studies")["studies"]
        # Attributes as everywhere else in the client: NaN and infinities as floats, not the server's
        # tags; a best value of -Infinity comes by name ("-Infinity"), as trial values do.
        return [_study_summary(study) for study in studies]
    finally:
        connection.close()
