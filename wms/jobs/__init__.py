"""Background jobs (wave planning, bulk pushes): in-process workers, or RQ workers when Redis is configured."""
