"""Photo studio writes, one module per sub-domain (import the module you need; nothing is
re-exported):

- ``uploads``: uploads and catalog images brought in, the quick checks and the checking job;
- ``recipes``: a workspace's saved recipes (save, copy a built-in one, delete);
- ``processing``: a recipe applied to many photos as a job, rendering and storing each output;
- ``review``: outputs submitted and decided through the shared review lifecycle.

What a person does takes the acting member first (``actor=``, an
:class:`~apps.workspaces.actors.Actor`): the service checks the actor's role itself and reaches
the rows it changes through :func:`~apps.workspaces.actors.access_for_update`; top-level
services are durable transactions. Job items are system work and take the workspace. Refusals
raise :class:`~apps.core.errors.ServiceError` with a message that names the file or the photo.
Reads (recipes by key, what a recipe needs to run) are in :mod:`apps.photos.selectors`.
"""
