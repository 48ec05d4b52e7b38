"""A real structured-output peer offline: instructor's BatchProcessor against the local server.

instructor builds the batch file itself (``response_format: json_schema`` in strict mode, from a
Pydantic model), submits it with the official openai SDK, and parses every output row back into
the model. Nothing here is ours but the server.
"""

from __future__ import annotations

import datetime
import enum
import json
import uuid
from pathlib import Path
from typing import Literal

import pytest
from instructor.batch import BatchProcessor, BatchSuccess
from pydantic import BaseModel, Field

from groq_batch_server import LocalServer
from tests.server_support import Api

ROWS = 12


class Currency(enum.Enum):
    EUR = "EUR"
    USD = "USD"


class LineItem(BaseModel):
    sku: str = Field(pattern=r"^[A-Z]{3}-\d{3}$")
    description: str = Field(min_length=3, max_length=40)
    quantity: int = Field(ge=1, le=50)
    unit_price: float = Field(gt=0, le=1000)


class Address(BaseModel):
    street: str
    city: str
    country: Literal["FR", "DE", "US"]


class Invoice(BaseModel):
    invoice_id: uuid.UUID
    issued_on: datetime.date
    due_at: datetime.datetime
    currency: Currency
    paid: bool
    billing: Address
    shipping: Address | None
    items: list[LineItem] = Field(min_length=1, max_length=5)
    notes: list[str]


def test_instructor_batch_round_trip(
    local_server: LocalServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # instructor's OpenAI provider builds `OpenAI()` from the environment.
    monkeypatch.setenv("OPENAI_BASE_URL", f"{local_server.base_url}/openai/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local-test")
    processor = BatchProcessor("openai/llama-3.3-70b-versatile", Invoice)
    path = tmp_path / "invoices.jsonl"
    processor.create_batch_from_messages(
        [[{"role": "user", "content": f"Extract invoice number {i}."}] for i in range(ROWS)],
        file_path=str(path),
    )
    # instructor asked for structured output, which is what makes this a test of the echo model.
    first = json.loads(path.read_text().splitlines()[0])
    assert first["body"]["response_format"]["type"] == "json_schema"

    batch_id = processor.submit_batch(str(path))
    api = Api(local_server.base_url)
    try:
        assert api.wait(batch_id)["status"] == "completed"
    finally:
        api.close()
    results = processor.get_results(batch_id)

    assert sorted(r.custom_id for r in results) == sorted(f"request-{i}" for i in range(ROWS))
    failures = [r for r in results if not isinstance(r, BatchSuccess)]
    assert failures == []
    invoices = [r.result for r in results if isinstance(r, BatchSuccess)]
    assert all(isinstance(invoice, Invoice) for invoice in invoices)
    # Deterministic per row, yet different across rows.
    assert len({invoice.invoice_id for invoice in invoices}) == ROWS
    assert processor.get_results(batch_id) == results
