"""The Hyper-V provider: VMs named in a playbook's `hyperv:` section, read and changed through
Hyper-V's own cmdlets.

Every call is a cmdlet name plus a parameter map (transport.Call), carried by a transport:
`local` (powershell.exe or pwsh running the shipped invoke.ps1), `winrm` (a remote host over
PSRP, running the same script), or `simulator` (an in-process model of Hyper-V kept in a JSON
file). gather reads, diff decides (pure), perform carries out the calls diff chose.
"""
