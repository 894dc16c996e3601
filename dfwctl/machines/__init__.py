"""The machines an environment spans (a playbook's `machines:` section), where each part of
the playbook applies, and which parts must wait for a change to another machine."""
