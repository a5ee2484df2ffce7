"""deploy/compose.yaml, .env.example and the Dockerfile agree with the services' settings classes.

No Docker engine runs here, so the file is checked instead of run: each check returns the problems
it finds, the real files must have none, and a broken copy of each (a typo'd variable, a wrong
port...) must be caught, so the checks can fail.
"""

from __future__ import annotations

import copy
import importlib
import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from pydantic import ValidationError

pytestmark = pytest.mark.database_independent

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SETTINGS = {
    "idp": "idp.settings:IdpSettings",
    "egisz_api": "egisz_api.settings:EgiszSettings",
    "notifier": "notifier.settings:NotifierSettings",
}
JWKS_PATH = "/.well-known/jwks.json"
#: Fields that, once a service has them, must point at the compose service that provides them.
WIRING: dict[str, Any] = {
    "redis_url": lambda value: value.startswith("redis://redis:6379"),
    "smtp_host": lambda value: value == "mailpit",
    "smtp_port": lambda value: value == "1025",
    "smtp_security": lambda value: value == "none",
}
_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def settings_class(service: str) -> Any:
    module, name = SETTINGS[service].split(":")
    return getattr(importlib.import_module(module), name)


def env_fields(service: str) -> dict[str, str]:
    """Environment variable name -> field name, e.g. IDP_ISSUER -> issuer."""
    cls = settings_class(service)
    prefix = cls.model_config["env_prefix"]
    return {prefix + name.upper(): name for name in cls.model_fields}


def default_port(service: str) -> int:
    port: int = settings_class(service).model_fields["port"].default
    return port


def load_compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return data


def load_env_example() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:?message}, ${VAR:-default} with the given variables."""

    def one(match: re.Match[str]) -> str:
        name, operator, argument = match.groups()
        if name in variables:
            return variables[name]
        return argument if operator and operator.endswith("-") else ""

    return _INTERPOLATION.sub(one, value)


def environment(compose: dict[str, Any], service: str) -> dict[str, str]:
    env = compose["services"][service].get("environment") or {}
    assert isinstance(env, dict), f"{service}: write environment as a mapping"
    return {key: str(value) for key, value in env.items()}


def published_ports(compose: dict[str, Any], service: str) -> list[tuple[int, int]]:
    pairs = []
    for entry in compose["services"][service].get("ports") or []:
        if isinstance(entry, dict):
            pairs.append((int(entry["published"]), int(entry["target"])))
        else:
            *_, published, target = str(entry).split(":")
            pairs.append((int(published), int(target)))
    return pairs


# --- the checks ----------------------------------------------------------------------------------


def unknown_variables(compose: dict[str, Any]) -> list[str]:
    problems = []
    for service in SETTINGS:
        known = env_fields(service)
        for name in environment(compose, service):
            if name not in known:
                problems.append(f"{service}: {name} is not a setting of {SETTINGS[service]}")
        if "env_file" in compose["services"][service]:
            problems.append(f"{service}: env_file hides variables from this test; list them in environment")
    return problems


def port_problems(compose: dict[str, Any]) -> list[str]:
    problems = []
    for service in SETTINGS:
        port = default_port(service)
        if published_ports(compose, service) != [(port, port)]:
            problems.append(f"{service}: publish {port}:{port}, got {published_ports(compose, service)}")
        prefix = settings_class(service).model_config["env_prefix"]
        given = environment(compose, service).get(prefix + "PORT")
        if given is not None and given != str(port):
            problems.append(f"{service}: {prefix}PORT={given} but the published port is {port}")
    return problems


def _bare(value: str) -> str:
    """${VAR:?message} -> ${VAR}: the same variable whatever the message."""
    return _INTERPOLATION.sub(lambda match: "${" + match.group(1) + "}", value)


def url_problems(compose: dict[str, Any], env_example: dict[str, str]) -> list[str]:
    """URLs to another service use its compose name and port and wait for it; issuers agree."""
    problems = []
    services = compose["services"]
    ports = {service: default_port(service) for service in SETTINGS}
    issuer = _bare(environment(compose, "idp").get("IDP_ISSUER", ""))
    for service in SETTINGS:
        depends = services[service].get("depends_on") or {}
        for name, raw in environment(compose, service).items():
            if name.endswith("_IDP_ISSUER") and _bare(raw) != issuer:
                problems.append(f"{service}: {name}={raw} differs from IDP_ISSUER={issuer}")
            if name.endswith(("ISSUER", "SMART_FHIR_BASE_URL")):
                continue  # an identifier (the public URL), not an address on this network
            value = interpolate(raw, env_example)
            if not value.startswith(("http://", "https://")):
                continue
            url = urlsplit(value)
            target = url.hostname or ""
            if target not in ports:
                problems.append(f"{service}: {name}={value} names no service of this compose file")
                continue
            if url.port != ports[target]:
                problems.append(f"{service}: {name}={value}: {target} listens on {ports[target]}")
            waits = (depends.get(target) or {}).get("condition") == "service_healthy"
            # A call back to a service that waits for this one cannot wait too (a cycle: the idp
            # calls the notifier, which needs the idp's keys); such a caller must degrade instead.
            called_back = service in (services[target].get("depends_on") or {})
            if target != service and not waits and not called_back:
                problems.append(f"{service}: calls {target} but does not wait for it to be healthy")
            if name.endswith("JWKS_URL") and (target != "idp" or url.path != JWKS_PATH):
                problems.append(f"{service}: {name}={value} is not the idp's {JWKS_PATH}")
    return problems


def database_problems(compose: dict[str, Any]) -> list[str]:
    """Each service has its own PostgreSQL database and role, created by the init script."""
    problems = []
    script = (DEPLOY / "postgres-init/01-databases.sh").read_text()
    created = dict(re.findall(r'^create_database (\w+) "\$(\w+)"', script, re.MULTILINE))
    postgres_env = compose["services"]["postgres"].get("environment") or {}
    seen = set()
    for service in SETTINGS:
        prefix = settings_class(service).model_config["env_prefix"]
        value = environment(compose, service).get(prefix + "DATABASE_URL", "")
        match = re.fullmatch(r"postgresql\+psycopg://(\w+):\$\{(\w+)\}@postgres:5432/(\w+)", value)
        if not match:
            problems.append(
                f"{service}: {prefix}DATABASE_URL={value!r} is not user:${{PASSWORD}}@postgres:5432/db"
            )
            continue
        user, password_var, database = match.groups()
        if user != database or created.get(database) != password_var:
            problems.append(
                f"{service}: the init script creates no role/database {database} with {password_var}"
            )
        if password_var not in postgres_env:
            problems.append(f"postgres: {password_var} is not passed to the init script")
        if database in seen:
            problems.append(f"{service}: shares the database {database}")
        seen.add(database)
        if (compose["services"][service].get("depends_on") or {}).get("postgres", {}).get(
            "condition"
        ) != "service_healthy":
            problems.append(f"{service}: does not wait for a healthy postgres")
    return problems


def wiring_problems(compose: dict[str, Any]) -> list[str]:
    """Redis and SMTP settings, wherever a service has them, point at the compose services."""
    problems = []
    for service in SETTINGS:
        env = environment(compose, service)
        for name, field in env_fields(service).items():
            if field in WIRING and not WIRING[field](env.get(name, "")):
                problems.append(f"{service}: {name}={env.get(name)!r} does not point at its compose service")
    return problems


def undefined_interpolations(compose_text: str, env_example: dict[str, str]) -> list[str]:
    used = {match.group(1) for match in _INTERPOLATION.finditer(compose_text)}
    problems = [
        f"${{{name}}} is used in compose.yaml but not defined in .env.example"
        for name in sorted(used - set(env_example))
    ]
    problems += [
        f"{name} in .env.example is used nowhere in compose.yaml" for name in sorted(set(env_example) - used)
    ]
    return problems


def healthcheck_problems(compose: dict[str, Any]) -> list[str]:
    problems = []
    for name, service in compose["services"].items():
        test = (service.get("healthcheck") or {}).get("test")
        if not test:
            problems.append(f"{name}: no healthcheck")
        elif name in SETTINGS:
            command = " ".join(test)
            if "python" not in command or f"127.0.0.1:{default_port(name)}/readyz" not in command:
                problems.append(
                    f"{name}: the healthcheck should ask /readyz on {default_port(name)} with python"
                )
    return problems


def image_problems(compose: dict[str, Any]) -> list[str]:
    """One image for the three services; the command names the service."""
    problems = []
    builds = {
        str(compose["services"][s].get("build")) + str(compose["services"][s].get("image")) for s in SETTINGS
    }
    if len(builds) != 1:
        problems.append("idp, egisz_api and notifier should share one image")
    for service in SETTINGS:
        command = compose["services"][service].get("command") or []
        if command[:2] != [service, "serve"]:
            problems.append(f"{service}: command should be [{service}, serve, ...], got {command}")
    return problems


def dockerfile_problems(text: str) -> list[str]:
    lines = re.sub(r"\\\n", " ", text).splitlines()
    instructions = [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
    starts = [i for i, line in enumerate(instructions) if line.upper().startswith("FROM ")]
    final = instructions[starts[-1] :] if starts else []
    users = [line.split(None, 1)[1] for line in final if line.upper().startswith("USER ")]
    problems = []
    if len(starts) < 2:
        problems.append("the Dockerfile should be multi-stage (builder + runtime)")
    if not users or users[-1].split(":")[0] in ("root", "0"):
        problems.append(f"the runtime stage must end as a non-root USER, got {users[-1:] or 'none'}")
    if not any(line.replace(" ", "") == 'ENTRYPOINT["python","-m"]' for line in final):
        problems.append('the runtime ENTRYPOINT should be ["python", "-m"]')
    if not any("uv sync" in line and "--frozen" in line for line in instructions):
        problems.append("the builder should install from uv.lock (uv sync --frozen)")
    return problems


# --- the real files have no problems ------------------------------------------------------------


def test_every_variable_given_to_a_service_is_one_of_its_settings() -> None:
    assert unknown_variables(load_compose()) == []


def test_published_ports_are_the_settings_default_ports() -> None:
    assert port_problems(load_compose()) == []


def test_urls_to_other_services_use_their_compose_names_and_ports() -> None:
    assert url_problems(load_compose(), load_env_example()) == []


def test_each_service_has_its_own_postgresql_database() -> None:
    assert database_problems(load_compose()) == []


def test_redis_and_smtp_settings_point_at_the_compose_services() -> None:
    assert wiring_problems(load_compose()) == []


def test_every_interpolated_variable_is_in_env_example() -> None:
    assert undefined_interpolations((DEPLOY / "compose.yaml").read_text(), load_env_example()) == []


def test_every_service_has_a_healthcheck() -> None:
    assert healthcheck_problems(load_compose()) == []


def test_the_three_services_run_one_image() -> None:
    assert image_problems(load_compose()) == []


def test_the_dockerfile_runs_as_a_non_root_user() -> None:
    assert dockerfile_problems((DEPLOY / "Dockerfile").read_text()) == []


def _settings_from_compose(service: str, variables: dict[str, str]) -> Any:
    fields = env_fields(service)
    values = {
        fields[name]: interpolate(raw, variables)
        for name, raw in environment(load_compose(), service).items()
    }
    return settings_class(service)(_env_file=None, **values)


@pytest.fixture
def no_service_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith(("IDP_", "EGISZ_", "NOTIFIER_")):
            monkeypatch.delenv(name)


@pytest.mark.usefixtures("no_service_env")
@pytest.mark.parametrize("service", list(SETTINGS))
def test_the_services_start_with_generated_secrets(service: str) -> None:
    variables = {
        key: value if "change-me" not in value else secrets.token_urlsafe(48)
        for key, value in load_env_example().items()
    }
    settings = _settings_from_compose(service, variables)
    assert settings.dev_mode is False
    assert settings.database_url.startswith("postgresql+psycopg://")


@pytest.mark.usefixtures("no_service_env")
@pytest.mark.parametrize(
    "service",
    [
        s
        for s in SETTINGS
        if any("SecretStr" in str(f.annotation) for f in settings_class(s).model_fields.values())
    ],
)
def test_the_services_refuse_the_placeholders_of_env_example(service: str) -> None:
    with pytest.raises(ValidationError, match="placeholder"):
        _settings_from_compose(service, load_env_example())


# --- and the checks catch a broken copy ---------------------------------------------------------


def _set(path: str, value: Any) -> Any:
    def mutate(compose: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        node = compose
        for key in parents:
            node = node[key]
        if value is None:
            del node[last]
        else:
            node[last] = value

    return mutate


def _rename(service: str, old: str, new: str) -> Any:
    def mutate(compose: dict[str, Any]) -> None:
        env = compose["services"][service]["environment"]
        env[new] = env.pop(old)

    return mutate


def check_urls(compose: dict[str, Any]) -> list[str]:
    return url_problems(compose, load_env_example())


def _env(service: str, name: str, value: Any) -> Any:
    return _set(f"services/{service}/environment/{name}", value)


_OTHER_HEALTHCHECK = [
    "CMD",
    "python",
    "-c",
    "import urllib.request as u; u.urlopen('http://127.0.0.1:8001/readyz')",
]
_SHARED_DB = "postgresql+psycopg://idp:${IDP_DB_PASSWORD}@postgres:5432/idp"
BROKEN = {
    "typo in a variable": (
        _rename("egisz_api", "EGISZ_IDP_JWKS_URL", "EGISZ_IDP_JWKS_UR"),
        unknown_variables,
    ),
    "another service's prefix": (_rename("notifier", "NOTIFIER_HOST", "IDP_HOST"), unknown_variables),
    "wrong published port": (_set("services/notifier/ports", ["8003:8002"]), port_problems),
    "wrong port variable": (_env("idp", "IDP_PORT", "9000"), port_problems),
    "jwks on a typo'd host": (
        _env("notifier", "NOTIFIER_IDP_JWKS_URL", f"http://ipd:8000{JWKS_PATH}"),
        check_urls,
    ),
    "jwks on the wrong port": (
        _env("egisz_api", "EGISZ_IDP_JWKS_URL", f"http://idp:8001{JWKS_PATH}"),
        check_urls,
    ),
    "jwks on the wrong path": (_env("egisz_api", "EGISZ_IDP_JWKS_URL", "http://idp:8000/jwks"), check_urls),
    "issuers differ": (_env("egisz_api", "EGISZ_IDP_ISSUER", "http://idp:8000"), check_urls),
    "no wait for the idp": (_set("services/notifier/depends_on/idp", None), check_urls),
    "shared database": (_env("notifier", "NOTIFIER_DATABASE_URL", _SHARED_DB), database_problems),
    "sqlite in compose": (_env("idp", "IDP_DATABASE_URL", "sqlite:///var/idp.db"), database_problems),
    "no healthcheck": (_set("services/egisz_api/healthcheck", None), healthcheck_problems),
    "healthcheck on another port": (
        _set("services/idp/healthcheck/test", _OTHER_HEALTHCHECK),
        healthcheck_problems,
    ),
    "a service with its own image": (_set("services/idp/image", "other:latest"), image_problems),
}


@pytest.mark.parametrize("mutation", list(BROKEN))
def test_the_checks_catch_a_broken_compose_file(mutation: str) -> None:
    mutate, check = BROKEN[mutation]
    compose = copy.deepcopy(load_compose())
    mutate(compose)
    assert check(compose) != []


def test_the_checks_catch_a_variable_missing_from_env_example() -> None:
    text = (DEPLOY / "compose.yaml").read_text() + "\n# ${UNDEFINED_SECRET}\n"
    assert undefined_interpolations(text, load_env_example()) != []


def test_the_checks_catch_a_redis_setting_left_unwired() -> None:
    compose = copy.deepcopy(load_compose())
    for service in SETTINGS:
        for name, field in env_fields(service).items():
            if field == "redis_url":
                compose["services"][service]["environment"].pop(name, None)
                assert wiring_problems(compose) != []
                return
    pytest.skip("no service has a redis_url setting yet")


@pytest.mark.parametrize(
    "change", [("USER 10001:10001", "USER root"), ("USER 10001:10001", "USER 0:0"), ("USER 10001:10001", "")]
)
def test_the_checks_catch_a_root_dockerfile(change: tuple[str, str]) -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    assert change[0] in text
    assert dockerfile_problems(text.replace(*change)) != []
