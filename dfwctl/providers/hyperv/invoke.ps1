# dfwctl: the PowerShell end of the Hyper-V protocol (dfwctl/providers/hyperv/protocol.py).
#
# Reads one request (JSON) from stdin, or from -Request when run over PowerShell remoting,
# runs each call as a cmdlet with splatted parameters, and answers with one reply (JSON) on
# the last line of stdout (or as the output, over remoting). Request values are only ever
# bound as parameter values: nothing in a request becomes script text. Strings arrive
# base64-encoded (UTF-8), so neither the console code page nor quoting can change them.
[CmdletBinding()]
param([string]$Request)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$WarningPreference = 'SilentlyContinue'
Set-StrictMode -Off

# The only commands a request can name, module-qualified so that another module's Get-VM
# (VMware PowerCLI has one) is never called instead.
$Commands = @{
    'Get-VM'                        = 'Hyper-V\Get-VM'
    'Get-VMProcessor'               = 'Hyper-V\Get-VMProcessor'
    'Get-VMMemory'                  = 'Hyper-V\Get-VMMemory'
    'Get-VMNetworkAdapter'          = 'Hyper-V\Get-VMNetworkAdapter'
    'Get-VMSwitch'                  = 'Hyper-V\Get-VMSwitch'
    'Set-VM'                        = 'Hyper-V\Set-VM'
    'Set-VMProcessor'               = 'Hyper-V\Set-VMProcessor'
    'Set-VMMemory'                  = 'Hyper-V\Set-VMMemory'
    'Set-VMNetworkAdapter'          = 'Hyper-V\Set-VMNetworkAdapter'
    'Connect-VMNetworkAdapter'      = 'Hyper-V\Connect-VMNetworkAdapter'
    'Start-VM'                      = 'Hyper-V\Start-VM'
    'Stop-VM'                       = 'Hyper-V\Stop-VM'
    'Get-WindowsOptionalFeature'    = 'Dism\Get-WindowsOptionalFeature'
    'Enable-WindowsOptionalFeature' = 'Dism\Enable-WindowsOptionalFeature'
    'Get-CimInstance'               = 'CimCmdlets\Get-CimInstance'
    'Get-Module'                    = 'Microsoft.PowerShell.Core\Get-Module'
    'Get-DfwctlSession'             = 'Get-DfwctlSession'
}

# Common parameters stay under this script's control.
$Reserved = @('ErrorAction', 'ErrorVariable', 'WarningAction', 'WarningVariable',
    'InformationAction', 'InformationVariable', 'OutVariable', 'OutBuffer', 'PipelineVariable',
    'Debug', 'Verbose', 'WhatIf', 'Confirm')

function Get-DfwctlSession {
    # This PowerShell session: its version, and whether it may manage Hyper-V.
    [CmdletBinding()]
    param()
    $elevated = $false
    $hyperVAdministrator = $false
    if ($env:OS -eq 'Windows_NT') {
        $identity = [Security.Principal.WindowsIdentity]::GetCurrent()
        $principal = New-Object Security.Principal.WindowsPrincipal($identity)
        $elevated = $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
        $group = New-Object Security.Principal.SecurityIdentifier('S-1-5-32-578')
        $hyperVAdministrator = $principal.IsInRole($group)
    }
    [pscustomobject]@{
        PSVersion           = $PSVersionTable.PSVersion.ToString()
        PSEdition           = [string]$PSVersionTable.PSEdition
        OS                  = [string]$env:OS
        ComputerName        = [Environment]::MachineName
        Elevated            = $elevated
        HyperVAdministrator = $hyperVAdministrator
    }
}

function ConvertFrom-DfwctlBase64 {
    param([string]$Text)
    return [System.Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($Text))
}

function ConvertTo-DfwctlValue {
    # One output value as JSON can carry it: enums by name, Guid/Version/DateTime as text.
    param($Value, [int]$Depth = 0)
    if ($null -eq $Value) { return $null }
    if ($Value -is [string] -or $Value -is [bool]) { return $Value }
    if ($Value -is [enum]) { return $Value.ToString() }
    if ($Value -is [char] -or $Value -is [guid] -or $Value -is [version]) { return $Value.ToString() }
    if ($Value -is [datetime]) { return $Value.ToString('o') }
    if ($Value -is [timespan]) { return $Value.TotalSeconds }
    if ($Value -is [ValueType]) { return $Value }
    if ($Value -is [System.Collections.IEnumerable] -and $Depth -eq 0) {
        $items = New-Object 'System.Collections.Generic.List[object]'
        foreach ($item in $Value) { $items.Add((ConvertTo-DfwctlValue -Value $item -Depth 1)) }
        return , $items.ToArray()
    }
    return $Value.ToString()
}

function Resolve-DfwctlParameter {
    # A request parameter as the value to bind: the protocol's types, never script text.
    param($Parameter)
    $type = [string]$Parameter.type
    if ($type -eq 'string') { return (ConvertFrom-DfwctlBase64 -Text $Parameter.value) }
    if ($type -eq 'strings') {
        $texts = New-Object 'System.Collections.Generic.List[string]'
        foreach ($text in @($Parameter.value)) { $texts.Add((ConvertFrom-DfwctlBase64 -Text $text)) }
        return , $texts.ToArray()
    }
    if ($type -eq 'int') { return [long]$Parameter.value }
    if ($type -eq 'bool') { return [bool]$Parameter.value }
    if ($type -eq 'vm') { return (Hyper-V\Get-VM -Id ([guid][string]$Parameter.value)) }
    if ($type -eq 'adapter') {
        $vm = Hyper-V\Get-VM -Id ([guid][string]$Parameter.value.vm)
        $id = ConvertFrom-DfwctlBase64 -Text $Parameter.value.id
        $found = @(Hyper-V\Get-VMNetworkAdapter -VM $vm | Where-Object { $_.Id -eq $id })
        if ($found.Count -ne 1) { throw "the VM has no network adapter with this Id: $id" }
        return $found[0]
    }
    throw "unknown parameter type: $type"
}

function ConvertTo-DfwctlError {
    param($Record)
    $category = ''
    $reason = ''
    if ($null -ne $Record.CategoryInfo) {
        $category = [string]$Record.CategoryInfo.Category
        $reason = [string]$Record.CategoryInfo.Reason
    }
    return @{
        message               = [string]$Record.Exception.Message
        category              = $category
        fullyQualifiedErrorId = [string]$Record.FullyQualifiedErrorId
        reason                = $reason
    }
}

function Invoke-DfwctlCall {
    param($Call)
    $warnings = New-Object 'System.Collections.Generic.List[string]'
    try {
        $name = [string]$Call.cmdlet
        if (-not $Commands.ContainsKey($name)) { throw "dfwctl does not run this command: $name" }
        $splat = @{}
        foreach ($parameter in @($Call.parameters)) {
            if ($null -eq $parameter) { continue }
            $key = [string]$parameter.name
            if ($key -notmatch '^[A-Za-z][A-Za-z0-9]*$' -or $Reserved -contains $key) {
                throw "parameter not allowed: $key"
            }
            $splat[$key] = Resolve-DfwctlParameter -Parameter $parameter
        }
        $splat['WarningVariable'] = 'callWarnings'
        $output = @(& $Commands[$name] @splat)
        foreach ($warning in @($callWarnings)) {
            if ($null -ne $warning) { $warnings.Add([string]$warning.Message) }
        }
        $rows = New-Object 'System.Collections.Generic.List[object]'
        $properties = @(@($Call.properties) | Where-Object { $null -ne $_ })
        if ($properties.Count -gt 0) {
            foreach ($item in $output) {
                $row = [ordered]@{}
                foreach ($property in $properties) {
                    $member = $item.PSObject.Properties[[string]$property]
                    $value = $null
                    if ($null -ne $member) { $value = ConvertTo-DfwctlValue -Value $member.Value }
                    $row[[string]$property] = $value
                }
                $rows.Add($row)
            }
        }
        return @{ ok = $true; output = $rows.ToArray(); warnings = $warnings.ToArray() }
    }
    catch {
        return @{ ok = $false; error = (ConvertTo-DfwctlError -Record $_); warnings = $warnings.ToArray() }
    }
}

$viaParameter = $PSBoundParameters.ContainsKey('Request')
$code = 0
try {
    $text = $Request
    if (-not $viaParameter) {
        $utf8 = New-Object System.Text.UTF8Encoding($false)
        $reader = New-Object System.IO.StreamReader([Console]::OpenStandardInput(), $utf8)
        $text = $reader.ReadToEnd()
    }
    $document = $text | ConvertFrom-Json
    if ($document.protocol -ne 1) { throw "unsupported protocol version: $($document.protocol)" }
    $replies = New-Object 'System.Collections.Generic.List[object]'
    foreach ($call in @($document.calls)) {
        if ($null -eq $call) { continue }
        $reply = Invoke-DfwctlCall -Call $call
        if (-not $reply.ok) { $code = 1 }
        $replies.Add($reply)
    }
    $response = @{ protocol = 1; replies = $replies.ToArray() }
}
catch {
    $response = @{ protocol = 1; error = (ConvertTo-DfwctlError -Record $_) }
    $code = 1
}

$json = ConvertTo-Json -InputObject $response -Depth 8 -Compress
if ($viaParameter) {
    return $json
}
$bytes = (New-Object System.Text.UTF8Encoding($false)).GetBytes("`n" + $json + "`n")
$stdout = [Console]::OpenStandardOutput()
$stdout.Write($bytes, 0, $bytes.Length)
$stdout.Flush()
exit $code
