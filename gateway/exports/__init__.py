"""Exports of console lists as files (CSV, XLSX): the writers (`files`) and the finished
files kept in Redis for their owner for an hour (`store`). Flask-free, so the web and
an RQ worker on another machine write and read the same files."""
