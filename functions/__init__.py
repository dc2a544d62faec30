"""One Lambda per resource group: `app.py` holds the routes and the handler's decorator stack, nothing else."""
