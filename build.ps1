#Requires -Version 7.6
<#
.SYNOPSIS
    Builds, tests and demonstrates MnistNet.

.DESCRIPTION
    Run it with the PowerShell that the repository's tool manifest pins, so a machine with only the .NET SDK needs
    nothing else:

        dotnet tool restore
        dotnet pwsh ./build.ps1 [Build | Test | Demo | Bench | Clean]

    Build   compiles the library and cmdlets into module/bin, with the help file beside them (the default).
    Test    builds, runs the xunit tests and the Pester tests, and ends with 'Tests: N passed, N failed'.
    Demo    builds, then trains the 784-128-64-10 network on the bundled MNIST data and reports its test accuracy.
    Bench   builds in Release, runs the GEMM kernel benchmarks (BenchmarkDotNet) and the end-to-end jobs (training,
            prediction, CSV, PowerShell pipelines), prints their targets tables and writes bench/results/*.json.
            Takes several minutes; the figures mean most on an otherwise idle machine. Not part of Test.
    Clean   removes build output.

.PARAMETER Configuration
    Release (default) or Debug.
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Demo', 'Bench', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Release', 'Debug')]
    [string] $Configuration = 'Release'
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$root = $PSScriptRoot
$moduleBin = Join-Path $root 'module/bin'
$pesterVersion = '5.7.1'
if ($env:CI -or [Console]::IsOutputRedirected) {
    # Logs read better without colour escape codes.
    $PSStyle.OutputRendering = 'PlainText'
}

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) {
        throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE."
    }
}

function Invoke-Build {
    Write-Host "Building MnistNet ($Configuration) into $moduleBin" -ForegroundColor Cyan
    Invoke-Dotnet build (Join-Path $root 'src/MnistNet.PowerShell/MnistNet.PowerShell.csproj') `
        -c $Configuration -o $moduleBin --nologo -v quiet '-clp:NoSummary'
    $helpSource = Join-Path $root 'module/en-US'
    if (Test-Path -LiteralPath $helpSource) {
        $help = Join-Path $moduleBin 'en-US'
        New-Item -ItemType Directory -Force -Path $help | Out-Null
        Copy-Item (Join-Path $helpSource '*') $help -Force
    }
}

# PSGallery cannot be reached from our machines, so Pester comes from NuGet into the global package folder.
function Get-PesterModule {
    Invoke-Dotnet restore (Join-Path $root 'tests/Pester/PesterRestore.csproj') --nologo -v quiet
    $packages = (& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''
    $manifest = Join-Path $packages.Trim() "pester/$pesterVersion/tools/Pester.psd1"
    if (-not (Test-Path -LiteralPath $manifest)) {
        throw "Pester $pesterVersion was restored but '$manifest' is missing."
    }

    return $manifest
}

# Counts from a TRX file written by 'dotnet test --logger trx'.
function Read-TrxCount([string] $Path) {
    [xml] $trx = Get-Content -LiteralPath $Path -Raw
    $counters = $trx.TestRun.ResultSummary.Counters
    [pscustomobject]@{
        Passed  = [int] $counters.passed
        Failed  = [int] $counters.failed + [int] $counters.error
        # TRX has no skipped counter: a skipped test is one of the total that was not executed.
        Skipped = [int] $counters.total - [int] $counters.executed
    }
}

function Invoke-Test {
    Invoke-Build
    $results = Join-Path $root 'tests/results'
    Remove-Item -Recurse -Force $results -ErrorAction SilentlyContinue
    $passed = 0
    $failed = 0
    $skipped = 0

    foreach ($project in 'tests/MnistNet.Native.Tests', 'tests/MnistNet.Tests') {
        $name = Split-Path $project -Leaf
        Write-Host "Running $name" -ForegroundColor Cyan
        & dotnet test (Join-Path $root $project) -c $Configuration --nologo `
            --logger "trx;LogFileName=$name.trx" --logger 'console;verbosity=minimal' --results-directory $results
        $trx = Join-Path $results "$name.trx"
        if (Test-Path -LiteralPath $trx) {
            $count = Read-TrxCount $trx
            $passed += $count.Passed
            $failed += $count.Failed
            $skipped += $count.Skipped
        }
        elseif ($LASTEXITCODE -ne 0) {
            # The project did not build or the runner crashed: count it as one failure so it cannot pass silently.
            $failed += 1
        }
    }

    Write-Host 'Running Pester tests' -ForegroundColor Cyan
    $pester = Get-PesterModule
    Import-Module $pester -Force
    $configuration = New-PesterConfiguration
    $configuration.Run.Path = Join-Path $root 'tests/Pester'
    $configuration.Run.PassThru = $true
    $configuration.Output.Verbosity = 'Normal'
    $pesterResult = Invoke-Pester -Configuration $configuration
    $passed += $pesterResult.PassedCount
    $failed += $pesterResult.FailedCount + $pesterResult.FailedBlocksCount + $pesterResult.FailedContainersCount
    $skipped += $pesterResult.SkippedCount

    Write-Host ''
    if ($skipped -gt 0) {
        Write-Host "Skipped: $skipped (tests that need what this machine lacks, such as AVX-512 or a user without root)"
    }

    Write-Host "Tests: $passed passed, $failed failed"
    if ($failed -gt 0) {
        exit 1
    }
}

function Invoke-Demo {
    Invoke-Build
    & (Join-Path $root 'examples/Demo.ps1')
}

function Invoke-Bench {
    if ($Configuration -ne 'Release') {
        throw 'Bench measures Release builds only; leave out -Configuration or pass Release.'
    }

    Invoke-Build
    $project = Join-Path $root 'bench/MnistNet.Benchmarks'
    Write-Host 'Building the benchmarks (Release)' -ForegroundColor Cyan
    Invoke-Dotnet build $project -c Release --nologo -v quiet '-clp:NoSummary'
    $runner = Join-Path $project 'bin/Release/net10.0/MnistNet.Benchmarks.dll'

    $failed = @()
    foreach ($mode in 'kernels', 'endtoend') {
        Write-Host "Running the $mode benchmarks" -ForegroundColor Cyan
        & dotnet $runner $mode --root $root
        if ($LASTEXITCODE -ne 0) {
            $failed += $mode
        }
    }

    # BenchmarkDotNet's long log pushes the first table out of sight, so both are shown again at the end.
    foreach ($name in 'kernels', 'endtoend') {
        $file = Join-Path $root "bench/results/$name.json"
        if (Test-Path -LiteralPath $file) {
            Write-Host ''
            Write-Host "Targets from bench/results/$name.json" -ForegroundColor Cyan
            # Out-String with a wide width: a redirected console would cut the long job names at 120 columns.
            (Get-Content -LiteralPath $file -Raw | ConvertFrom-Json).rows |
                Format-Table job, figure, target, result -AutoSize | Out-String -Width 250 | Write-Host
        }
    }

    if ($failed) {
        throw "The $($failed -join ' and ') benchmarks did not all run; see their output above."
    }
}

function Invoke-Clean {
    foreach ($path in $moduleBin, (Join-Path $root 'tests/results')) {
        Remove-Item -Recurse -Force $path -ErrorAction SilentlyContinue
    }

    Get-ChildItem -Path $root -Directory -Recurse -Include bin, obj |
        Where-Object { $_.FullName -notlike "*node_modules*" } |
        Remove-Item -Recurse -Force
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Demo' { Invoke-Demo }
    'Bench' { Invoke-Bench }
    'Clean' { Invoke-Clean }
}
