from __future__ import annotations

from collections.abc import Mapping
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Literal,
    Self,
    TypeVar,
    cast,
)

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.batch_status import BatchStatus
from ..types import UNSET, Unset, WireModel

if TYPE_CHECKING:
    from ..models.batch_error import BatchError
    from ..models.batch_errors import BatchErrors
    from ..models.batch_request_counts import BatchRequestCounts
    from ..models.metadata import Metadata


T = TypeVar("T", bound="Batch")


@_attrs_define(eq=False)
class Batch(WireModel):
    """A batch job."""

    id: str
    """ The batch's id (`batch_` and a ULID). """
    object_: Literal["batch"]
    """ Always `batch`. """
    endpoint: str
    """ The endpoint every request runs against, for example `/v1/chat/completions`. """
    input_file_id: str
    """ The file of requests. """
    completion_window: str
    """ The time the batch has to finish, from `24h` to `7d`. """
    status: BatchStatus | str
    """ The lifecycle state. Values outside `BatchStatus` are kept as strings. """
    created_at: int
    """ Unix seconds. """
    errors: BatchErrors | list[BatchError] | None | Unset = UNSET
    """ Problems found in the input file. Sent as `{object, data}` or as a bare array.
     """
    output_file_id: None | str | Unset = UNSET
    """ The file of successful results, once there are any. """
    error_file_id: None | str | Unset = UNSET
    """ The file of failed, expired and unprocessed requests, once there are any. """
    in_progress_at: int | None | Unset = UNSET
    """ When processing started, in Unix seconds. """
    expires_at: int | None | Unset = UNSET
    """ When the completion window ends, in Unix seconds. """
    finalizing_at: int | None | Unset = UNSET
    """ When finalizing started, in Unix seconds. """
    completed_at: int | None | Unset = UNSET
    """ When the batch completed, in Unix seconds. """
    failed_at: int | None | Unset = UNSET
    """ When the batch failed, in Unix seconds. """
    expired_at: int | None | Unset = UNSET
    """ When the batch expired, in Unix seconds. """
    cancelling_at: int | None | Unset = UNSET
    """ When cancelling started, in Unix seconds. """
    cancelled_at: int | None | Unset = UNSET
    """ When the batch was cancelled, in Unix seconds. """
    request_counts: BatchRequestCounts | None | Unset = UNSET
    """ Progress counters. """
    metadata: Metadata | None | Unset = UNSET
    """ The metadata given at creation. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _WIRE_NAMES: ClassVar[dict[str, str]] = {
        "id": "id",
        "object": "object_",
        "endpoint": "endpoint",
        "input_file_id": "input_file_id",
        "completion_window": "completion_window",
        "status": "status",
        "created_at": "created_at",
        "errors": "errors",
        "output_file_id": "output_file_id",
        "error_file_id": "error_file_id",
        "in_progress_at": "in_progress_at",
        "expires_at": "expires_at",
        "finalizing_at": "finalizing_at",
        "completed_at": "completed_at",
        "failed_at": "failed_at",
        "expired_at": "expired_at",
        "cancelling_at": "cancelling_at",
        "cancelled_at": "cancelled_at",
        "request_counts": "request_counts",
        "metadata": "metadata",
    }

    def _to_wire_dict(self) -> dict[str, Any]:
        from ..models.batch_errors import BatchErrors
        from ..models.batch_request_counts import BatchRequestCounts
        from ..models.metadata import Metadata

        id = self.id

        object_ = self.object_

        endpoint = self.endpoint

        input_file_id = self.input_file_id

        completion_window = self.completion_window

        status: str
        if isinstance(self.status, BatchStatus):
            status = self.status.value
        else:
            status = self.status

        created_at = self.created_at

        errors: dict[str, Any] | list[dict[str, Any]] | None | Unset
        if isinstance(self.errors, Unset):
            errors = UNSET
        elif isinstance(self.errors, BatchErrors):
            errors = self.errors.to_dict()
        elif isinstance(self.errors, list):
            errors = []
            for errors_type_1_item_data in self.errors:
                errors_type_1_item = errors_type_1_item_data.to_dict()
                errors.append(errors_type_1_item)

        else:
            errors = self.errors

        output_file_id: None | str | Unset
        if isinstance(self.output_file_id, Unset):
            output_file_id = UNSET
        else:
            output_file_id = self.output_file_id

        error_file_id: None | str | Unset
        if isinstance(self.error_file_id, Unset):
            error_file_id = UNSET
        else:
            error_file_id = self.error_file_id

        in_progress_at: int | None | Unset
        if isinstance(self.in_progress_at, Unset):
            in_progress_at = UNSET
        else:
            in_progress_at = self.in_progress_at

        expires_at: int | None | Unset
        if isinstance(self.expires_at, Unset):
            expires_at = UNSET
        else:
            expires_at = self.expires_at

        finalizing_at: int | None | Unset
        if isinstance(self.finalizing_at, Unset):
            finalizing_at = UNSET
        else:
            finalizing_at = self.finalizing_at

        completed_at: int | None | Unset
        if isinstance(self.completed_at, Unset):
            completed_at = UNSET
        else:
            completed_at = self.completed_at

        failed_at: int | None | Unset
        if isinstance(self.failed_at, Unset):
            failed_at = UNSET
        else:
            failed_at = self.failed_at

        expired_at: int | None | Unset
        if isinstance(self.expired_at, Unset):
            expired_at = UNSET
        else:
            expired_at = self.expired_at

        cancelling_at: int | None | Unset
        if isinstance(self.cancelling_at, Unset):
            cancelling_at = UNSET
        else:
            cancelling_at = self.cancelling_at

        cancelled_at: int | None | Unset
        if isinstance(self.cancelled_at, Unset):
            cancelled_at = UNSET
        else:
            cancelled_at = self.cancelled_at

        request_counts: dict[str, Any] | None | Unset
        if isinstance(self.request_counts, Unset):
            request_counts = UNSET
        elif isinstance(self.request_counts, BatchRequestCounts):
            request_counts = self.request_counts.to_dict()
        else:
            request_counts = self.request_counts

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, Metadata):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "object": object_,
                "endpoint": endpoint,
                "input_file_id": input_file_id,
                "completion_window": completion_window,
                "status": status,
                "created_at": created_at,
            }
        )
        if errors is not UNSET:
            field_dict["errors"] = errors
        if output_file_id is not UNSET:
            field_dict["output_file_id"] = output_file_id
        if error_file_id is not UNSET:
            field_dict["error_file_id"] = error_file_id
        if in_progress_at is not UNSET:
            field_dict["in_progress_at"] = in_progress_at
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at
        if finalizing_at is not UNSET:
            field_dict["finalizing_at"] = finalizing_at
        if completed_at is not UNSET:
            field_dict["completed_at"] = completed_at
        if failed_at is not UNSET:
            field_dict["failed_at"] = failed_at
        if expired_at is not UNSET:
            field_dict["expired_at"] = expired_at
        if cancelling_at is not UNSET:
            field_dict["cancelling_at"] = cancelling_at
        if cancelled_at is not UNSET:
            field_dict["cancelled_at"] = cancelled_at
        if request_counts is not UNSET:
            field_dict["request_counts"] = request_counts
        if metadata is not UNSET:
            field_dict["metadata"] = metadata

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.batch_error import BatchError
        from ..models.batch_errors import BatchErrors
        from ..models.batch_request_counts import BatchRequestCounts
        from ..models.metadata import Metadata

        d = dict(src_dict)
        id = d.pop("id")

        object_ = cast(Literal["batch"], d.pop("object"))
        if object_ != "batch":
            raise ValueError(f"object must match const 'batch', got '{object_}'")

        endpoint = d.pop("endpoint")

        input_file_id = d.pop("input_file_id")

        completion_window = d.pop("completion_window")

        def _parse_status(data: object) -> BatchStatus | str:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = BatchStatus(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BatchStatus | str, data)

        status = _parse_status(d.pop("status"))

        created_at = d.pop("created_at")

        def _parse_errors(
            data: object,
        ) -> BatchErrors | list[BatchError] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                errors_type_0 = BatchErrors.from_dict(data)

                return errors_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, list):
                    raise TypeError()
                errors_type_1 = []
                _errors_type_1 = data
                for errors_type_1_item_data in _errors_type_1:
                    errors_type_1_item = BatchError.from_dict(errors_type_1_item_data)

                    errors_type_1.append(errors_type_1_item)

                return errors_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BatchErrors | list[BatchError] | None | Unset, data)

        errors = _parse_errors(d.pop("errors", UNSET))

        def _parse_output_file_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        output_file_id = _parse_output_file_id(d.pop("output_file_id", UNSET))

        def _parse_error_file_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error_file_id = _parse_error_file_id(d.pop("error_file_id", UNSET))

        def _parse_in_progress_at(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        in_progress_at = _parse_in_progress_at(d.pop("in_progress_at", UNSET))

        def _parse_expires_at(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        expires_at = _parse_expires_at(d.pop("expires_at", UNSET))

        def _parse_finalizing_at(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        finalizing_at = _parse_finalizing_at(d.pop("finalizing_at", UNSET))

        def _parse_completed_at(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        completed_at = _parse_completed_at(d.pop("completed_at", UNSET))

        def _parse_failed_at(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        failed_at = _parse_failed_at(d.pop("failed_at", UNSET))

        def _parse_expired_at(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        expired_at = _parse_expired_at(d.pop("expired_at", UNSET))

        def _parse_cancelling_at(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        cancelling_at = _parse_cancelling_at(d.pop("cancelling_at", UNSET))

        def _parse_cancelled_at(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        cancelled_at = _parse_cancelled_at(d.pop("cancelled_at", UNSET))

        def _parse_request_counts(data: object) -> BatchRequestCounts | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                request_counts_type_0 = BatchRequestCounts.from_dict(data)

                return request_counts_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BatchRequestCounts | None | Unset, data)

        request_counts = _parse_request_counts(d.pop("request_counts", UNSET))

        def _parse_metadata(data: object) -> Metadata | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = Metadata.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Metadata | None | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        batch = cls(
            id=id,
            object_=object_,
            endpoint=endpoint,
            input_file_id=input_file_id,
            completion_window=completion_window,
            status=status,
            created_at=created_at,
            errors=errors,
            output_file_id=output_file_id,
            error_file_id=error_file_id,
            in_progress_at=in_progress_at,
            expires_at=expires_at,
            finalizing_at=finalizing_at,
            completed_at=completed_at,
            failed_at=failed_at,
            expired_at=expired_at,
            cancelling_at=cancelling_at,
            cancelled_at=cancelled_at,
            request_counts=request_counts,
            metadata=metadata,
        )

        batch.additional_properties = d
        return batch

    def __str__(self) -> str:
        """One readable line, e.g. `batch_01… in_progress: 2/3 completed, 0 failed`."""
        counts = self.request_counts
        if counts is None or isinstance(counts, Unset):
            return f"{self.id} {self.status}"
        return f"{self.id} {self.status}: {counts.completed}/{counts.total} completed, {counts.failed} failed"

    @property
    def object(self) -> Literal["batch"]:
        """Always `batch`. (`object_` is the same field.)"""
        return self.object_

    @object.setter
    def object(self, value: Literal["batch"]) -> None:
        self.object_ = value
