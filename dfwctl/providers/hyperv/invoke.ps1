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
    # Inside a VM (PowerShell Direct): what the Docker Desktop provider reads and writes.
    'Get-DfwctlSystem'              = 'Get-DfwctlSystem'
    'Read-DfwctlFile'               = 'Read-DfwctlFile'
    'Write-DfwctlFile'              = 'Write-DfwctlFile'
    'Invoke-DfwctlProgram'          = 'Invoke-DfwctlProgram'
    'Get-DfwctlCommand'             = 'Get-DfwctlCommand'
    'Get-DfwctlDrive'               = 'Get-DfwctlDrive'
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

function Get-DfwctlSystem {
    # The machine: its name, build, processors, and the environment the provider reads.
    [CmdletBinding()]
    param()
    $os = [Environment]::OSVersion.Version
    [pscustomobject]@{
        ComputerName                   = [Environment]::MachineName
        BuildNumber                    = [string]$os.Build
        ProcessorCount                 = [Environment]::ProcessorCount
        APPDATA                        = [string]$env:APPDATA
        LOCALAPPDATA                   = [string]$env:LOCALAPPDATA
        USERPROFILE                    = [string]$env:USERPROFILE
        ProgramData                    = [string]$env:ProgramData
        ProgramFiles                   = [string]$env:ProgramFiles
        Path                           = [string]$env:Path
        DOCKER_CONFIG                  = [string]$env:DOCKER_CONFIG
        DFWCTL_DESKTOP_RESTART_COMMAND = [string]$env:DFWCTL_DESKTOP_RESTART_COMMAND
    }
}

function Read-DfwctlFile {
    # A file's bytes, base64-encoded (any encoding survives); Exists is false when there is none.
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)][string]$Path)
    $item = Get-Item -LiteralPath $Path -Force -ErrorAction SilentlyContinue
    if ($null -eq $item) {
        return [pscustomobject]@{ Exists = $false; Folder = $false; Content = '' }
    }
    if ($item.PSIsContainer) {
        return [pscustomobject]@{ Exists = $true; Folder = $true; Content = '' }
    }
    $bytes = [System.IO.File]::ReadAllBytes($item.FullName)
    [pscustomobject]@{ Exists = $true; Folder = $false; Content = [Convert]::ToBase64String($bytes) }
}

function Get-DfwctlDigest {
    param([string]$Path)
    if (-not [System.IO.File]::Exists($Path)) { return '' }
    $sha = [System.Security.Cryptography.SHA256]::Create()
    try {
        $hash = $sha.ComputeHash([System.IO.File]::ReadAllBytes($Path))
    }
    finally {
        $sha.Dispose()
    }
    return ([BitConverter]::ToString($hash) -replace '-', '').ToLowerInvariant()
}

function Write-DfwctlFile {
    # Replace a file atomically: the old content copied to Backup (when named), the new one
    # written beside the file and moved over it; nothing is written, and Written is false,
    # when the file's SHA-256 is not Expected ('' = no file).
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)][string]$Path, [string]$Content = '',
        [string]$Expected = '', [string]$Backup = '')
    $bytes = [Convert]::FromBase64String($Content)
    if ($Backup -ne '' -and [System.IO.File]::Exists($Path)) {
        [System.IO.File]::Copy($Path, $Backup, $true)
    }
    if ((Get-DfwctlDigest -Path $Path) -ne $Expected) {
        return [pscustomobject]@{ Written = $false }
    }
    $folder = [System.IO.Path]::GetDirectoryName($Path)
    $temp = [System.IO.Path]::Combine($folder, '.' + [System.IO.Path]::GetFileName($Path) + '.' + $PID + '.dfwctl.tmp')
    try {
        [System.IO.File]::WriteAllBytes($temp, $bytes)
        if ([System.IO.File]::Exists($Path)) {
            [System.IO.File]::Replace($temp, $Path, [NullString]::Value)
        }
        else {
            [System.IO.File]::Move($temp, $Path)
        }
    }
    finally {
        if ([System.IO.File]::Exists($temp)) { [System.IO.File]::Delete($temp) }
    }
    [pscustomobject]@{ Written = $true }
}

function Invoke-DfwctlProgram {
    # Run a program with arguments (never through a shell) and wait for it, up to a bound.
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)][string]$FilePath, [string[]]$ArgumentList = @(),
        [long]$TimeoutSeconds = 300)
    $command = Get-Command -Name $FilePath -CommandType Application -ErrorAction SilentlyContinue |
        Select-Object -First 1
    if ($null -eq $command) {
        return [pscustomobject]@{ Found = $false; ExitCode = -1; StdOut = ''; StdErr = '' }
    }
    $start = New-Object System.Diagnostics.ProcessStartInfo
    $start.FileName = $command.Source
    $quoted = foreach ($argument in $ArgumentList) {
        if ($argument -match '[\s"]' -or $argument -eq '') { '"' + ($argument -replace '"', '\"') + '"' } else { $argument }
    }
    $start.Arguments = [string]::Join(' ', @($quoted))
    $start.UseShellExecute = $false
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $process = [System.Diagnostics.Process]::Start($start)
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEndAsync()
    if (-not $process.WaitForExit([int]($TimeoutSeconds * 1000))) {
        $process.Kill()
        throw "$FilePath did not finish within $TimeoutSeconds seconds"
    }
    [pscustomobject]@{ Found = $true; ExitCode = $process.ExitCode; StdOut = $stdout.Result; StdErr = $stderr.Result }
}

function Get-DfwctlCommand {
    # Where a program is on PATH ('' when it is not).
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)][string]$Name)
    $command = Get-Command -Name $Name -CommandType Application -ErrorAction SilentlyContinue |
        Select-Object -First 1
    $found = ''
    if ($null -ne $command) { $found = [string]$command.Source }
    [pscustomobject]@{ Path = $found }
}

function Get-DfwctlDrive {
    # What each drive letter is: fixed, removable, network (and the share), subst (and the
    # folder), cdrom, ramdisk, or missing.
    [CmdletBinding()]
    param([string[]]$Letter = @())
    $substs = @{}
    foreach ($line in @(& subst.exe)) {
        if ($line -match '^([A-Za-z]):\\: => (.+)$') { $substs[$Matches[1].ToUpperInvariant()] = $Matches[2] }
    }
    foreach ($one in $Letter) {
        $upper = $one.ToUpperInvariant()
        $drive = New-Object System.IO.DriveInfo($upper)
        $kind = [string]$drive.DriveType
        $target = ''
        if ($kind -eq 'NoRootDirectory') { $kind = 'missing' }
        if ($kind -eq 'Network') {
            $disk = Get-CimInstance -ClassName Win32_LogicalDisk -Filter "DeviceID='$($upper):'" -ErrorAction SilentlyContinue
            if ($null -ne $disk) { $target = [string]$disk.ProviderName }
        }
        $subst = $substs.ContainsKey($upper)
        if ($subst) { $target = $substs[$upper] }
        [pscustomobject]@{ Letter = $upper; Kind = $kind.ToLowerInvariant(); Target = $target; Subst = $subst }
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

function Invoke-DfwctlGuest {
    # The calls of a request, run inside a VM of this host by PowerShell Direct: the VM by its
    # exact name (never a wildcard), signed in with the request's account. When the VM cannot
    # be entered, the answer carries its state and heartbeat, so dfwctl can tell a VM that is
    # off or still starting from one that refuses the account.
    param($Document)
    $name = ConvertFrom-DfwctlBase64 -Text $Document.guest.vm
    $vms = @(Hyper-V\Get-VM | Where-Object { $_.Name -eq $name })
    if ($vms.Count -ne 1) {
        throw "the host has $($vms.Count) VMs named '$name'"
    }
    $vm = $vms[0]
    $user = ConvertFrom-DfwctlBase64 -Text $Document.guest.user
    $secret = ConvertTo-SecureString -String (ConvertFrom-DfwctlBase64 -Text $Document.guest.password) -AsPlainText -Force
    $credential = New-Object System.Management.Automation.PSCredential($user, $secret)
    $inner = ConvertTo-Json -InputObject @{ protocol = 1; calls = @($Document.calls) } -Depth 8 -Compress
    try {
        $answer = Invoke-Command -VMId $vm.Id -Credential $credential -ScriptBlock $script:Self -ArgumentList $inner -ErrorAction Stop
        return (@($answer)[-1] | ConvertFrom-Json)
    }
    catch {
        $now = Hyper-V\Get-VM -Id $vm.Id
        $heartbeat = ''
        if ($null -ne $now.Heartbeat) { $heartbeat = [string]$now.Heartbeat }
        return @{ protocol = 1; error = (ConvertTo-DfwctlError -Record $_);
            guest = @{ state = [string]$now.State; heartbeat = $heartbeat } }
    }
}

$script:Self = $MyInvocation.MyCommand.ScriptBlock
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
    if ($null -ne $document.guest) {
        # Run this same script inside the VM (PowerShell Direct), with the calls alone.
        $response = Invoke-DfwctlGuest -Document $document
        if ($null -ne $response.error -or @($response.replies | Where-Object { -not $_.ok }).Count -gt 0) { $code = 1 }
    }
    else {
        $replies = New-Object 'System.Collections.Generic.List[object]'
        foreach ($call in @($document.calls)) {
            if ($null -eq $call) { continue }
            $reply = Invoke-DfwctlCall -Call $call
            if (-not $reply.ok) { $code = 1 }
            $replies.Add($reply)
        }
        $response = @{ protocol = 1; replies = $replies.ToArray() }
    }
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
