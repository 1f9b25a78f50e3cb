"""The services the suite relies on answer (guards against a CI that skips them silently)."""

from minio import Minio

from tests.services import S3Server


def test_s3_server_accepts_a_bucket(s3_server: S3Server) -> None:
    client = Minio(s3_server.endpoint, s3_server.access_key, s3_server.secret_key, secure=False)
    client.make_bucket("smoke")
    assert client.bucket_exists("smoke")


async def test_postgres_database_is_empty_and_writable(postgres_database) -> None:
    import asyncpg

    conn = await asyncpg.connect(postgres_database.url.replace("+asyncpg", ""))
    try:
        await conn.execute("CREATE TABLE t (x int)")
        await conn.execute("INSERT INTO t VALUES (1)")
        assert await conn.fetchval("SELECT count(*) FROM t") == 1
    finally:
        await conn.close()
