"""Background jobs: wave planning in an in-process worker, or on RQ workers when Redis is configured."""
