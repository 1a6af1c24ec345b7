"""The one Settings object: read once from the environment, then passed down.

Nothing else in fanreel reads ``os.environ``. Every field is documented in README.md.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.money import parse_usd

MICROS_PER_USD = 1_000_000


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    # ------------------------------------------------------------ infrastructure
    database_url: str | None = None
    redis_url: str | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    public_base_url: str = "http://127.0.0.1:8000"
    data_dir: Path = Path(".fanreel")
    media_dir: Path = Path(".fanreel/media")
    cors_origins: list[str] = Field(default_factory=list)
    log_level: str = "INFO"
    token_ttl_days: int = Field(default=30, ge=1)

    # ------------------------------------------------------------ generation (RULES §4)
    generator: Literal["local", "http", "noop"] = "local"
    generator_http_url: str = "http://127.0.0.1:9900"
    generator_http_token: str = ""
    generator_http_poll_seconds: float = Field(default=1.0, gt=0)
    generator_http_timeout_seconds: float = Field(default=300.0, gt=0)
    storage: Literal["directory", "s3"] = "directory"
    s3_bucket: str = "fanreel-media"
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    url_signing_secret: str = "dev-url-signing-secret"
    media_url_ttl_seconds: int = Field(default=600, ge=1)
    generation_price_per_second: Decimal = Decimal("0.02")
    free_generations_per_day: int = Field(default=3, ge=0)
    max_characters_per_video: int = Field(default=4, ge=1)
    max_active_generations_per_user: int = Field(default=2, ge=1)
    max_generations_per_day: int = Field(default=50, ge=1)
    generation_max_tries: int = Field(default=3, ge=1)
    generation_retry_base_seconds: float = Field(default=2.0, ge=0)
    generation_job_timeout_seconds: int = Field(default=300, ge=1)
    # A worker's PostgreSQL connections. Its jobs hold one each for a statement or a short
    # transaction, and the drafter writes one group at a time, so a few serve arq's 10 jobs;
    # each connection is a backend that costs the server CPU of its own (~20 ms to warm up).
    worker_database_pool_size: int = Field(default=4, ge=1)
    reconcile_interval_seconds: int = Field(default=60, ge=1)

    # ------------------------------------------------------------ views and revenue (RULES §5-6)
    qualify_ms: int = Field(default=3000, ge=0)
    max_qualified_views_per_viewer_per_day: int = Field(default=1000, ge=0)
    view_revenue_micros: int = Field(default=500, ge=0)
    platform_fee_bps: int = Field(default=3000, ge=0, le=10000)
    holders_cap_bps: int = Field(default=5000, ge=0, le=10000)
    remix_ancestor_depth: int = Field(default=3, ge=0)
    remix_ancestor_bps: int = Field(default=1000, ge=0, le=10000)
    credit_interval_seconds: int = Field(default=10, ge=1)
    # view_events' daily partitions older than this are dropped (db/view_partitions.py); at least 2:
    # a day's events arrive until the end of the next day.
    view_events_retention_days: int = Field(default=35, ge=2)

    # ------------------------------------------------------------ rights integrity (RULES §11)
    device_token_secret: str = "dev-device-token-secret"
    max_qualified_anon_views_per_ip_per_day: int = Field(default=50, ge=0)
    media_retention_days: int = Field(default=30, ge=0)
    media_status_cache_seconds: float = Field(default=1.0, ge=0)
    account_deletion_days: int = Field(default=30, ge=0)

    # ------------------------------------------------------------ payments (RULES §7)
    payment_webhook_secret: str = "dev-webhook-secret"

    # ------------------------------------------------------------ money out, claims (RULES §8-9, issue 14)
    claim_dispute_days: int = Field(default=14, ge=1)
    claim_response_days: int = Field(default=14, ge=1)
    claim_deadline_interval_seconds: int = Field(default=60, ge=1)
    payout_hold_days: int = Field(default=14, ge=0)
    minimum_payout: Decimal = Field(default=Decimal("10"), ge=0)
    payout_provider: str = "http"
    payout_provider_url: str = "http://127.0.0.1:9901"
    payout_provider_token: str = ""
    payout_provider_timeout_seconds: float = Field(default=10.0, gt=0)
    payout_retry_seconds: float = Field(default=30.0, ge=0)
    payout_reconcile_seconds: int = Field(default=300, ge=1)

    # ------------------------------------------------------------ the open internet (issue 13)
    environment: Literal["development", "production"] = "development"
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    request_timeout_seconds: float = Field(default=10.0, gt=0)
    max_query_cost: int = Field(default=1000, ge=1)
    max_query_nodes: int = Field(default=500_000, ge=1)
    rate_limit_bucket_size: int = Field(default=1000, ge=1)
    rate_limit_restore_rate: float = Field(default=50.0, gt=0)
    sign_up_bucket_size: int = Field(default=10, ge=1)
    sign_up_restore_per_hour: float = Field(default=10.0, gt=0)
    record_views_bucket_size: int = Field(default=60, ge=1)
    record_views_restore_per_second: float = Field(default=1.0, gt=0)
    record_views_ip_factor: int = Field(default=20, ge=1)
    log_in_free_failures: int = Field(default=5, ge=1)
    log_in_free_failures_per_ip: int = Field(default=50, ge=1)
    log_in_backoff_base_seconds: float = Field(default=1.0, gt=0)
    log_in_backoff_max_seconds: float = Field(default=900.0, gt=0)
    metrics_dir: Path | None = None

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @cached_property
    def generation_price_per_second_micros(self) -> int:
        micros = self.generation_price_per_second * MICROS_PER_USD
        if micros != micros.to_integral_value():
            raise ValueError("GENERATION_PRICE_PER_SECOND has more than 6 decimals")
        return int(micros)

    @property
    def minimum_payout_micros(self) -> int:
        return parse_usd(format(self.minimum_payout, "f"))

    @property
    def embedded(self) -> bool:
        """True when fanreel must start its own PostgreSQL and Redis."""
        return self.database_url is None or self.redis_url is None
