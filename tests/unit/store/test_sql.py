"""SqlOrderStore specifics: persistence across reopen, bad input, secrets, two writers."""

from __future__ import annotations

import sqlite3
import traceback
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bolt_exec.errors import ConcurrencyConflict, ConfigError, StoreError
from bolt_exec.model.enums import OrderStatus
from bolt_exec.store import MemoryOrderStore, SqlOrderStore, open_store
from bolt_exec.store.schema import VERSION_TABLE, head_revision

from .conftest import Ev, StoreFactory, pg_url, wipe_pg


@pytest.fixture(params=["sqlite", "postgres"])
def durable(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "bolt.db")
    url = pg_url()
    wipe_pg(url)
    return url


def test_reopen_recovers_journal_projections_latch_and_algo_state(durable: str, ev: Ev) -> None:
    # Arrange
    with SqlOrderStore(durable) as first:
        first.append([ev.init("A"), ev.submit("A"), ev.accept("A"), ev.fill("A", "t1", "4")])
        first.append([ev.init("B"), ev.submit("B"), ev.accept("B"), ev.cancel("B")])
        first.trip_kill_switch(reason="manual", actor="alice", ts_ns=7)
        first.put_algo_state("P", {"sent": "4"}, ts_ns=8)
        journal = list(first.events())
        records = first.order_records()

    # Act
    with SqlOrderStore(durable) as second:
        # Assert
        assert list(second.events()) == journal
        assert second.order_records() == records
        assert set(second.load_orders(open_only=True)) == {"A"}
        assert second.load_orders()["B"].status is OrderStatus.CANCELED
        assert second.kill_switch().is_latched
        state = second.get_algo_state("P")
        assert state is not None
        assert state.state == {"sent": "4"}
        assert second.last_seq == 8
        assert second.append([ev.accept("A")]) == 1  # appends continue the sequence
        assert [e.seq for e in second.entries(after_seq=8)] == [9]


def test_open_reports_the_schema_revision(durable: str) -> None:
    with SqlOrderStore(durable) as store:
        assert store.schema_revision == head_revision()


def test_sqlite_file_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "bolt.db"
    SqlOrderStore(path).close()

    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]

    assert mode == "wal"


def test_new_sqlite_file_gets_16k_pages(tmp_path: Path) -> None:
    path = tmp_path / "bolt.db"
    SqlOrderStore(path).close()

    page_size = sqlite3.connect(path).execute("PRAGMA page_size").fetchone()[0]

    assert page_size == 16_384


def test_existing_sqlite_file_keeps_its_page_size(tmp_path: Path, ev: Ev) -> None:
    # A store created before the 16 KiB default (4 KiB pages) opens, appends, reads back
    # and keeps its page size: the pragma applies only to a file with no pages yet.
    path = tmp_path / "bolt.db"
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA page_size=4096")
    raw.execute("PRAGMA journal_mode=WAL")
    raw.close()
    with SqlOrderStore(path) as store:
        store.append([ev.init("A")])
    with SqlOrderStore(path) as store:
        assert [r.client_order_id for r in store.order_records()] == ["A"]

    assert sqlite3.connect(path).execute("PRAGMA page_size").fetchone()[0] == 4096


def test_corrupt_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "bolt.db"
    junk = b"this is not a database at all" * 100
    path.write_bytes(junk)

    with pytest.raises(StoreError, match="not a SQLite database") as info:
        SqlOrderStore(path)

    assert "backup" in str(info.value)
    assert path.read_bytes() == junk
    assert not (tmp_path / "bolt.db-wal").exists()


def test_damaged_sqlite_pages_are_refused_with_a_fix(tmp_path: Path, ev: Ev) -> None:
    path = tmp_path / "bolt.db"
    with SqlOrderStore(path) as store:
        store.append([ev.init("A")])
    raw = bytearray(path.read_bytes())
    raw[100:4096] = b"\xff" * (4096 - 100)  # the schema page, after the valid header
    path.write_bytes(bytes(raw))

    with pytest.raises(StoreError, match="nothing was changed") as info:
        SqlOrderStore(path)

    assert "backup" in str(info.value)


def test_foreign_database_is_refused_and_not_modified(durable: str) -> None:
    engine = create_engine(durable if "://" in durable else f"sqlite:///{durable}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE someone_elses_table (id INTEGER PRIMARY KEY)"))

    with pytest.raises(StoreError, match="not a bolt_exec order store") as info:
        SqlOrderStore(durable)

    assert "someone_elses_table" in str(info.value)
    with engine.connect() as conn:
        names = {r[0] for r in conn.execute(text(_TABLES_SQL[engine.dialect.name]))}
    engine.dispose()
    assert names == {"someone_elses_table"}


_TABLES_SQL = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table'",
    "postgresql": "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()",
}


def test_newer_schema_is_refused_and_left_as_is(durable: str) -> None:
    SqlOrderStore(durable).close()
    engine = create_engine(durable if "://" in durable else f"sqlite:///{durable}")
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = '9999'"))

    with pytest.raises(StoreError, match="newer bolt_exec") as info:
        SqlOrderStore(durable)

    assert "Upgrade bolt_exec" in str(info.value)
    with engine.connect() as conn:
        assert conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar() == "9999"
    engine.dispose()


def test_missing_directory_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist; create it first"):
        SqlOrderStore(tmp_path / "nope" / "bolt.db")


def test_directory_instead_of_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a directory"):
        SqlOrderStore(tmp_path)


def test_unreachable_server_error_names_it_and_hides_the_password() -> None:
    url = "postgresql+psycopg://trader:s3cret-pw@127.0.0.1:1/bolt"

    with pytest.raises(StoreError, match="cannot connect") as info:
        SqlOrderStore(url, connect_timeout_s=2)

    shown = str(info.value) + repr(info.value) + "".join(traceback.format_exception(info.value))
    assert "s3cret-pw" not in shown
    assert "trader:***@127.0.0.1:1/bolt" in str(info.value)


def test_bad_url_is_a_config_error_without_the_password() -> None:
    with pytest.raises(ConfigError, match="not a SQLAlchemy URL") as info:
        open_store("postgresql://u:hunter2@host:notaport/db")

    assert "hunter2" not in str(info.value)


def test_missing_driver_error_says_what_to_install() -> None:
    with pytest.raises(StoreError, match="install the driver") as info:
        open_store("mysql://u:hunter2@localhost/db")

    assert "hunter2" not in str(info.value)


def test_repr_masks_the_password() -> None:
    url = pg_url()
    wipe_pg(url)
    with SqlOrderStore(url) as store:
        password = create_engine(url).url.password
        assert password
        assert str(password) not in repr(store)
        assert "***" in repr(store)


def test_invalid_durability_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="durability='fast'"):
        SqlOrderStore(tmp_path / "x.db", durability="fast")  # type: ignore[arg-type]


def test_second_writer_collision_journals_nothing_of_its_batch(durable: str, ev: Ev) -> None:
    """Two stores on one database: the later writer is refused atomically, then recovers."""
    # Arrange
    a = SqlOrderStore(durable, exclusive=False)
    b = SqlOrderStore(durable, exclusive=False)
    a.append([ev.init("A"), ev.submit("A")])

    # Act
    with pytest.raises(ConcurrencyConflict, match="one OrderManager per store"):
        b.append([ev.init("B"), ev.submit("B"), ev.accept("B")])

    # Assert
    assert [e.client_order_id for e in a.events()] == ["A", "A"]
    assert b.order_records()[0].client_order_id == "A"
    assert b.append([ev.accept("A")]) == 1  # b reloaded its view and can go on
    assert a.order_records()[0].status is OrderStatus.ACCEPTED
    a.close()
    b.close()


def test_open_store_picks_the_backend(tmp_path: Path, open_again: StoreFactory) -> None:
    del open_again
    assert isinstance(open_store(None), MemoryOrderStore)
    assert isinstance(open_store("memory"), MemoryOrderStore)
    sql = open_store(tmp_path / "x.db")
    assert isinstance(sql, SqlOrderStore)
    assert open_store(sql) is sql
    sql.close()


def test_in_memory_sqlite_url_works(ev: Ev) -> None:
    with SqlOrderStore("sqlite://") as store:
        store.append([ev.init("A"), ev.submit("A")])

        assert store.order_records()[0].status is OrderStatus.SUBMITTED


def test_second_writer_is_refused_at_open_and_may_read(durable: str, ev: Ev) -> None:
    with SqlOrderStore(durable) as writer:
        writer.append([ev.init("A")])

        with pytest.raises(StoreError, match="already open for writing"):
            SqlOrderStore(durable)
        with SqlOrderStore(durable, read_only=True) as reader:
            assert [r.client_order_id for r in reader.order_records()] == ["A"]
            with pytest.raises(StoreError, match="read-only"):
                reader.append([ev.submit("A")])
            with pytest.raises(StoreError, match="read-only"):
                reader.trip_kill_switch(reason="x", actor="y", ts_ns=1)

    with SqlOrderStore(durable) as next_writer:  # the lease ends with the writer
        assert next_writer.append([ev.submit("A")]) == 1


def test_read_only_open_of_an_empty_database_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "new.db"

    with pytest.raises(StoreError, match="no bolt_exec store yet"):
        SqlOrderStore(path, read_only=True)

    assert not path.exists() or path.stat().st_size == 0


def test_append_after_the_server_dropped_the_session_reconnects_once(ev: Ev) -> None:
    """An overnight server restart or idle kill must not lose the next batch."""
    # Arrange
    url = pg_url()
    wipe_pg(url)
    store = SqlOrderStore(url)
    store.append([ev.init("A"), ev.submit("A")])
    admin = create_engine(url)
    with admin.begin() as conn:
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar()
    admin.dispose()
    assert killed == 1

    # Act
    appended = store.append([ev.accept("A")])

    # Assert
    assert appended == 1
    assert [r.status for r in store.order_records()] == [OrderStatus.ACCEPTED]
    with pytest.raises(StoreError, match="already open for writing"):
        SqlOrderStore(url)  # the lease came back with the new session
    store.close()
