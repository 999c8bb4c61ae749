"""The wallet's repository layer (SQLAlchemy Core over the shared schema)."""
