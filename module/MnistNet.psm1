# The cmdlets are compiled into module/bin by build.ps1. Loading them from here, rather than naming the assembly
# in MnistNet.psd1, lets a fresh clone that was never built fail with a message that says what to do.

$assembly = Join-Path $PSScriptRoot 'bin/MnistNet.PowerShell.dll'
if (-not (Test-Path -LiteralPath $assembly)) {
    throw "MnistNet is not built yet: '$assembly' is missing. Run 'dotnet tool restore; dotnet pwsh ./build.ps1' " +
        'in the repository root first.'
}

Import-Module $assembly

Export-ModuleMember -Cmdlet *
