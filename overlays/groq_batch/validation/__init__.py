r"""Find everything Groq would reject in a batch input file, before anything is uploaded.

These rules serve the client (``groq_batch.validate``, which ``submit`` runs first). The local
server judges lines by its own reading of the spec (``groq_batch_server.judge``), never by these
rules, so a bug here shows as a disagreement; a test holds the two to one verdict on the corpus.

Beyond Groq's own rules, a line is refused when it holds something no JSON store keeps: ``NaN``
or ``Infinity`` (not JSON at all), a lone UTF-16 surrogate escape (``"\ud800"``, which has no
UTF-8 form), or nesting deeper than ``MAX_DEPTH`` (which overflows recursive parsers). Each of
these is named by its line and its field. A model name is never refused for being unknown: with
``known_models`` the report only warns about it, because Groq adds models faster than any list
here can follow.

The rules live in one module per concept: ``report`` (``Problem``, ``ValidationReport``),
``lines`` (one request line's checks), ``files`` (a whole input: the limits, the report),
``ids`` (duplicate custom ids), ``metadata`` (a batch's metadata) and ``jsontext`` (depth, field
names, surrogates). Import them from here: this module is the public one.
"""

from __future__ import annotations

from groq_batch.validation.files import (
    MAX_BYTES,
    MAX_LINES,
    batch_endpoint,
    validate,
    validate_lines,
    validate_path,
)
from groq_batch.validation.ids import custom_id_hash, custom_id_of_line
from groq_batch.validation.jsontext import MAX_DEPTH, depth_scan
from groq_batch.validation.lines import AUDIO_RESPONSE_FORMATS, TIMESTAMP_GRANULARITIES
from groq_batch.validation.metadata import MetadataLimits, validate_metadata
from groq_batch.validation.report import Problem, ValidationError, ValidationReport

__all__ = [
    "AUDIO_RESPONSE_FORMATS",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_LINES",
    "TIMESTAMP_GRANULARITIES",
    "MetadataLimits",
    "Problem",
    "ValidationError",
    "ValidationReport",
    "batch_endpoint",
    "custom_id_hash",
    "custom_id_of_line",
    "depth_scan",
    "validate",
    "validate_lines",
    "validate_metadata",
    "validate_path",
]
