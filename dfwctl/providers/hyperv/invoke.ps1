# dfwctl: the PowerShell end of the Hyper-V protocol (dfwctl/providers/hyperv/protocol.py).
#
# Reads one request (JSON) from stdin, or from -Request when run over PowerShell remoting,
# runs each call as a cmdlet with splatted parameters, and answers with one reply (JSON) on
# the last line of stdout (or as the output, over remoting). Request values are only ever
# bound as parameter values: nothing in a request becomes script text. Strings arrive
# base64-encoded (UTF-8), so neither the console code page nor quoting can change them.
[CmdletBinding()]
param([string]$Request)

# Constrained Language Mode (an AppLocker or WDAC policy that does not trust this script)
# forbids the .NET calls below: answer at once, with plain strings only, so dfwctl can say why.
if ($ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
    $mode = [string]$ExecutionContext.SessionState.LanguageMode
    Write-Output ('{"protocol":1,"error":{"message":"PowerShell runs in ' + $mode +
        ' mode: invoke.ps1 needs FullLanguage.","category":"SecurityError",' +
        '"fullyQualifiedErrorId":"DfwctlLanguageMode","reason":"' + $mode + '"}}')
    exit 1
}

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$WarningPreference = 'SilentlyContinue'
$ConfirmPreference = 'None'  # nothing dfwctl runs may stop to ask (Restore-VMSnapshot would)
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
    'Checkpoint-VM'                 = 'Hyper-V\Checkpoint-VM'
    'Get-VMSnapshot'                = 'Hyper-V\Get-VMSnapshot'
    'Restore-VMSnapshot'            = 'Hyper-V\Restore-VMSnapshot'
    'Remove-VMSnapshot'             = 'Hyper-V\Remove-VMSnapshot'
    'Stop-DfwctlVM'                 = 'Stop-DfwctlVM'
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
    # This PowerShell session: its version, edition and bitness, whether it may manage Hyper-V
    # (elevated, or in Hyper-V Administrators: S-1-5-32-578), its language mode, execution
    # policy, and the Hyper-V module versions it lists (highest first: the one it loads).
    [CmdletBinding()]
    param()
    $elevated = $false
    $hyperVAdministrator = $false
    $user = [Environment]::UserName
    if ($env:OS -eq 'Windows_NT') {
        $identity = [Security.Principal.WindowsIdentity]::GetCurrent()
        $user = $identity.Name
        $principal = New-Object Security.Principal.WindowsPrincipal($identity)
        $elevated = $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
        $group = New-Object Security.Principal.SecurityIdentifier('S-1-5-32-578')
        $hyperVAdministrator = $principal.IsInRole($group)
    }
    $modules = @(Get-Module -ListAvailable -Name Hyper-V | Sort-Object Version -Descending |
        ForEach-Object { $_.Version.ToString() })
    [pscustomobject]@{
        PSVersion              = $PSVersionTable.PSVersion.ToString()
        PSEdition              = [string]$PSVersionTable.PSEdition
        PSHome                 = [string]$PSHOME
        OS                     = [string]$env:OS
        ComputerName           = [Environment]::MachineName
        UserName               = [string]$user
        Elevated               = $elevated
        HyperVAdministrator    = $hyperVAdministrator
        LanguageMode           = [string]$ExecutionContext.SessionState.LanguageMode
        ExecutionPolicy        = [string](Get-ExecutionPolicy)
        MachinePolicy          = [string](Get-ExecutionPolicy -Scope MachinePolicy)
        UserPolicy             = [string](Get-ExecutionPolicy -Scope UserPolicy)
        Is64BitProcess         = [Environment]::Is64BitProcess
        Is64BitOperatingSystem = [Environment]::Is64BitOperatingSystem
        HyperVModules          = $modules
    }
}

function Import-DfwctlHyperV {
    # Load the highest Hyper-V module listed (Windows 10 also lists 1.1, for older hosts), once.
    if ($script:HyperVLoaded) { return }
    $best = Get-Module -ListAvailable -Name Hyper-V | Sort-Object Version -Descending |
        Select-Object -First 1
    if ($null -ne $best) { Import-Module -ModuleInfo $best -ErrorAction Stop | Out-Null }
    $script:HyperVLoaded = $true
}

function New-DfwctlError {
    param([string]$Message, [string]$Id, [System.Management.Automation.ErrorCategory]$Category,
        $Target)
    $exception = New-Object System.InvalidOperationException($Message)
    return New-Object System.Management.Automation.ErrorRecord($exception, $Id, $Category, $Target)
}

function Stop-DfwctlVM {
    # Shut the guest down and wait, up to TimeoutSeconds, for the VM to turn off. The request
    # goes through the guest's shutdown integration service (Msvm_ShutdownComponent's
    # InitiateShutdown, Force: applications with unsaved data are closed), which returns at once;
    # Stop-VM -Force would wait five minutes, then turn the VM off. With -TurnOff a guest that
    # has not shut down in time is turned off (Stop-VM -TurnOff); without, the call fails and
    # says what state the VM is in. Never a power cut that was not asked for.
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)]$VM, [long]$TimeoutSeconds = 300, [switch]$TurnOff)
    if ([string]$VM.State -eq 'Off') { return }
    $id = [string]$VM.Id
    $why = ''
    if ([string]$VM.State -ne 'Running') {
        $why = 'it is ' + [string]$VM.State
    }
    else {
        $component = @(Get-CimInstance -Namespace 'root\virtualization\v2' -ClassName 'Msvm_ShutdownComponent' |
            Where-Object { $_.SystemName -eq $id })
        if ($component.Count -eq 0) {
            $why = 'it has no shutdown integration service (Msvm_ShutdownComponent)'
        }
        else {
            $result = Invoke-CimMethod -InputObject $component[0] -MethodName 'InitiateShutdown' -Arguments @{ Force = $true; Reason = 'dfwctl apply' }
            $code = [int]$result.ReturnValue
            if ($code -ne 0 -and $code -ne 4096) {
                $names = @{ 32768 = 'Failed'; 32769 = 'Access Denied'; 32770 = 'Not Supported';
                    32771 = 'Status is unknown'; 32772 = 'Timeout'; 32775 = 'Invalid state for this operation';
                    32777 = 'System is not available'; 32780 = 'The system is not ready';
                    32782 = 'A system shutdown is in progress' }
                $why = 'its shutdown integration service does not answer (InitiateShutdown returned ' + $code + ': ' + [string]$names[$code] + ')'
            }
        }
    }
    if ($why -ne '') {
        if ($TurnOff) { Hyper-V\Stop-VM -VM $VM -TurnOff; return }
        $PSCmdlet.ThrowTerminatingError((New-DfwctlError -Message ("The guest of '" + $VM.Name + "' cannot be shut down from the host: " + $why) -Id 'DfwctlNoShutdownService' -Category ResourceUnavailable -Target $VM))
    }
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ($true) {
        $now = Hyper-V\Get-VM -Id $VM.Id
        if ([string]$now.State -eq 'Off') { return }
        if ([DateTime]::UtcNow -ge $deadline) { break }
        Start-Sleep -Seconds 2
    }
    if ($TurnOff) { Hyper-V\Stop-VM -VM $now -TurnOff; return }
    $PSCmdlet.ThrowTerminatingError((New-DfwctlError -Message ("The guest of '" + $VM.Name + "' did not shut down within " + $TimeoutSeconds + " seconds; the virtual machine is " + [string]$now.State + '.') -Id 'DfwctlStopTimeout' -Category OperationTimeout -Target $VM))
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
    if ($type -eq 'checkpoint') {
        # The newest checkpoint of this exact name (-eq: no wildcard).
        $vm = Hyper-V\Get-VM -Id ([guid][string]$Parameter.value.vm)
        $name = ConvertFrom-DfwctlBase64 -Text $Parameter.value.name
        $found = @(Hyper-V\Get-VMSnapshot -VM $vm | Where-Object { $_.Name -eq $name } |
            Sort-Object CreationTime)
        if ($found.Count -eq 0) { throw "the VM has no checkpoint named: $name" }
        return $found[-1]
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
        $hyperV = $Commands[$name].StartsWith('Hyper-V\') -or $name -eq 'Stop-DfwctlVM'
        if ($hyperV -or @($Call.parameters | Where-Object { $_.type -in @('vm', 'adapter', 'checkpoint') }).Count -gt 0) {
            Import-DfwctlHyperV
        }
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
