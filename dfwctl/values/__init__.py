"""Value parsers every part of dfwctl shares: sizes (`512MiB`), published ports, mounts in
docker -v syntax, and Windows host paths. Pure: text in, typed values out."""
