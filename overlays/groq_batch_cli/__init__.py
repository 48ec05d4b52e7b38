"""The command line and the dashboard (moving here from ``groq_batch.cli``)."""
