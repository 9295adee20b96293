"""``wenzheng build`` and ``wenzheng serve``: publish the site, or preview it with rebuilds on change."""

from __future__ import annotations

import click

from generator.commands.common import as_of_option, data_option


@click.command("build")
@data_option
@as_of_option
@click.option("--strict", is_flag=True, help="Fail on any warning, ours or MkDocs'; the old site is kept.")
@click.option("--site-dir", default="site", show_default=True, type=click.Path(file_okay=False),
              help="Folder the site is written to; it is replaced only when the build succeeds.")
def command(data_dir: str, as_of: str | None, strict: bool, site_dir: str) -> None:
    """Validate the data, compute lights and figures, and build the public site."""
    from generator.site.build import build_site

    build_site(data_dir, site_dir, as_of=as_of, strict=strict)


@click.command("serve")
@data_option
@as_of_option
@click.option("--site-dir", default="site", show_default=True, type=click.Path(file_okay=False),
              help="Folder the site is built into and served from.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535),
              help="Port on 127.0.0.1 to serve the site on.")
def serve_command(data_dir: str, as_of: str | None, site_dir: str, port: int) -> None:
    """Build the site, serve it on 127.0.0.1 and rebuild when data, templates or mkdocs.yml change."""
    from generator.site.serve import serve

    serve(data_dir, site_dir, as_of=as_of, port=port)
