"""One flavour of every client path; the README's Layout section says which one is hand-written."""
