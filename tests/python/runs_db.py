"""What the tests read of a sweep database while a sweep or a forecast writes it."""
import os
import pathlib
import sqlite3


def finished_runs(db):
    """Runs committed so far (0 while the database is not there yet); never creates the file."""
    try:
        con = sqlite3.connect(pathlib.Path(os.path.abspath(db)).as_uri() + "?mode=ro", uri=True, timeout=5)
        try:
            return con.execute("SELECT count(*) FROM runs").fetchone()[0]
        finally:
            con.close()
    except sqlite3.OperationalError:
        return 0
