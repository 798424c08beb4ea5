"""The store: durable records in SQL (SQLAlchemy), live dialogue state in Redis.

Record functions take a SQLAlchemy session as their first argument and never commit:
the web request or the job that owns the session decides the transaction.
"""
