"""Logger, tracer and metrics, configured once from POWERTOOLS_* settings in the template's Globals.

Never log request bodies: they carry patient data.
"""

from __future__ import annotations

import warnings

from aws_lambda_powertools import Logger, Metrics, Tracer

# Reads publish no business metric; that is expected, not worth a warning per request.
warnings.filterwarnings("ignore", message="No application metrics to publish")

logger = Logger()
tracer = Tracer()
metrics = Metrics()
