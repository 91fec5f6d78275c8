"""Running team mode: a PostgreSQL cluster under TUTOR_HOME, the Chroma server, app processes
behind nginx (``make team``); a front end over tutor/, like ingest/, ui/ and evals/."""
