"""Connection options managed PostgreSQL needs, each against a real server: ``application_name``,
``options=-c search_path=...``, ``target_session_attrs`` with several hosts (failover to the
primary), and ``sslrootcert``/``sslcert``/``sslkey`` for ``verify-full`` against a private CA."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import text

from app.db import DatabaseManager, DatabaseUnavailableError
from settings import ImproperlyConfigured, Settings
from tests.support.postgres import SUPERUSER, PgCluster, options_cluster


async def ask(settings: Settings, query: str) -> object:
    database = DatabaseManager.for_settings(settings)
    await database.initialize()
    try:
        connection = await database.connect()
        try:
            return (await connection.execute(text(query))).scalar_one()
        finally:
            await connection.close()
    finally:
        await database.dispose()


async def test_application_name_and_search_path_reach_the_server(
    make_settings: Callable[..., Settings], postgres_url: str
) -> None:
    options = quote("-c search_path=scaleout_app,public -c statement_timeout=4s")
    settings = make_settings(
        DATABASE_URL=f"{postgres_url}?application_name=scaleout-opts&options={options}"
    )

    found = await ask(
        settings,
        "SELECT current_setting('application_name') || ' ' || current_setting('search_path')"
        " || ' ' || current_setting('statement_timeout')",
    )

    assert found == "scaleout-opts scaleout_app,public 4s"


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("options=search_path%3Dx", "options must be a list of -c name=value"),
        ("target_session_attrs=primary-ish", "target_session_attrs must be one of"),
        ("sslrootcert=/ca.crt", "sslrootcert need sslmode require, verify-ca, verify-full"),
        ("sslmode=verify-full&sslcert=/c.crt", "sslcert and sslkey go together"),
    ],
)
def test_a_malformed_option_is_a_load_error(
    make_settings: Callable[..., Settings], option: str, message: str
) -> None:
    with pytest.raises(ImproperlyConfigured) as caught:
        make_settings(DATABASE_URL=f"postgresql://u@db.example/app?{option}")

    [problem] = caught.value.problems
    assert (problem.key, problem.origin) == ("database.options", "env DATABASE_URL")
    assert message in problem.message


async def test_several_hosts_fail_over_to_the_read_write_one(
    make_settings: Callable[..., Settings], pg_cluster: PgCluster
) -> None:
    if not pg_cluster.is_running():
        pg_cluster.start()
    await pg_cluster.create_role("multi", "multi-pw")
    with options_cluster() as read_only:
        await read_only.create_role("multi", "multi-pw")
        admin = await read_only.admin()
        try:
            await admin.execute("ALTER SYSTEM SET default_transaction_read_only = on")
            await admin.execute("SELECT pg_reload_conf()")
        finally:
            await admin.close()
        hosts = f"{read_only.host}:{read_only.port},{pg_cluster.host}:{pg_cluster.port}"
        url = f"postgresql://multi:multi-pw@{hosts}/multi"
        writable = make_settings(DATABASE_URL=f"{url}?target_session_attrs=read-write")
        anything = make_settings(DATABASE_URL=f"{url}?target_session_attrs=any")

        assert await ask(writable, "SELECT current_setting('port')") == str(pg_cluster.port)
        assert await ask(anything, "SELECT current_setting('port')") == str(read_only.port)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private CA, a server certificate for 127.0.0.1 and a client certificate for ``tls``."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    directory = tmp_path_factory.mktemp("pki")

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)

    for name in ("ca", "other-ca"):
        openssl(
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            f"{name}.key",
            "-out",
            f"{name}.crt",
            "-subj",
            f"/CN={name}",
        )
    for name, subject, extension in (
        ("server", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1"),
        ("client", "/CN=tls", "basicConstraints=CA:FALSE"),
    ):
        openssl(
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            f"{name}.key",
            "-out",
            f"{name}.csr",
            "-subj",
            subject,
        )
        (directory / f"{name}.ext").write_text(extension + "\n")
        openssl(
            "x509",
            "-req",
            "-in",
            f"{name}.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-out",
            f"{name}.crt",
            "-extfile",
            f"{name}.ext",
        )
    return directory


@pytest.fixture(scope="module")
def tls_cluster(certificates: Path) -> Iterator[PgCluster]:
    """A cluster that accepts only TLS connections with a client certificate of the CA."""
    setup = f"""
cp {certificates}/server.crt {certificates}/server.key {certificates}/ca.crt .
chown {SUPERUSER} server.crt server.key ca.crt && chmod 600 server.key
{{ echo 'hostssl all tls 127.0.0.1/32 scram-sha-256 clientcert=verify-full'
  echo 'host all tls 127.0.0.1/32 reject'; cat pg_hba.conf; }} > pg_hba.new
mv pg_hba.new pg_hba.conf && chown {SUPERUSER} pg_hba.conf
"""
    options = (
        "-c ssl=on -c ssl_cert_file=server.crt -c ssl_key_file=server.key -c ssl_ca_file=ca.crt"
    )
    with options_cluster(options, setup=setup) as cluster:
        asyncio.run(cluster.create_role("tls", "tls-pw"))
        yield cluster


def tls_url(
    cluster: PgCluster,
    pki: Path,
    *,
    host: str = "127.0.0.1",
    ca: str = "ca.crt",
    mode: str = "verify-full",
    client: bool = True,
) -> str:
    query = f"sslmode={mode}&sslrootcert={pki / ca}"
    if client:
        query += f"&sslcert={pki / 'client.crt'}&sslkey={pki / 'client.key'}"
    return f"postgresql://tls:tls-pw@{host}:{cluster.port}/tls?{query}"


async def test_verify_full_against_a_private_ca_with_a_client_certificate(
    make_settings: Callable[..., Settings], tls_cluster: PgCluster, certificates: Path
) -> None:
    settings = make_settings(DATABASE_URL=tls_url(tls_cluster, certificates))

    found = await ask(settings, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")

    assert found is True


@pytest.mark.parametrize(
    "changes",
    [
        {"ca": "other-ca.crt"},  # the server's certificate is not from this CA
        {"host": "localhost"},  # verify-full checks the name: the certificate says 127.0.0.1
        {"client": False},  # the server requires a client certificate
    ],
)
async def test_what_verify_full_and_the_client_certificate_refuse(
    make_settings: Callable[..., Settings],
    tls_cluster: PgCluster,
    certificates: Path,
    changes: dict[str, object],
) -> None:
    settings = make_settings(DATABASE_URL=tls_url(tls_cluster, certificates, **changes))

    with pytest.raises(DatabaseUnavailableError):
        await ask(settings, "SELECT 1")


async def test_verify_ca_does_not_check_the_name(
    make_settings: Callable[..., Settings], tls_cluster: PgCluster, certificates: Path
) -> None:
    url = tls_url(tls_cluster, certificates, host="localhost", mode="verify-ca")

    assert await ask(make_settings(DATABASE_URL=url), "SELECT 1") == 1


def test_an_unreadable_certificate_file_is_named_in_the_error(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    """At load (database.E003), not at the first connection."""
    missing = tmp_path / "missing-ca.pem"

    with pytest.raises(ImproperlyConfigured) as raised:
        make_settings(
            DATABASE_URL=f"postgresql://u@db.example/app?sslmode=verify-full&sslrootcert={missing}"
        )

    [problem] = [p for p in raised.value.problems if p.id == "database.E003"]
    assert problem.message == (
        "cannot use the certificate files (sslrootcert): No such file or directory"
    )
