#Requires -Version 7.6
<#
.SYNOPSIS
    Times the cmdlets' pipelines for the benchmark runner, which starts it and reads the 'name=seconds' lines.

.DESCRIPTION
    Training: one epoch from a Kaggle-layout CSV file piped as samples, and the same from -AsDataset; the
    difference is what the object pipeline costs. Prediction: the 10,000 MNIST test samples piped through
    Invoke-DigitPrediction. Progress bars are off so both training runs pay the same, nothing, for display.
    Run it after building the module; MnistNet.Benchmarks endtoend does that through build.ps1 Bench.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $CsvPath,
    [Parameter(Mandatory)] [string] $ModelPath,
    [int] $TrainingRounds = 3,
    [int] $PredictionRuns = 3
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$root = Split-Path $PSScriptRoot -Parent
Import-Module (Join-Path $root 'MnistNet.psd1') -Force
$invariant = [cultureinfo]::InvariantCulture

function Measure-Seconds([scriptblock] $Job) {
    [GC]::Collect()
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $null = & $Job
    $clock.Elapsed.TotalSeconds
}

function Write-Timing([string] $Name, [double] $Seconds) {
    Write-Output "$Name=$($Seconds.ToString('R', $invariant))"
}

# A first pass over a small file compiles both paths, so the timed rounds compare steady code.
$small = Join-Path $root 'tests/data/train-1000.csv'
$null = Import-MnistCsv -LiteralPath $small | Start-NetworkTraining -Epochs 1 -Seed 1
$null = Import-MnistCsv -LiteralPath $small -AsDataset | Start-NetworkTraining -Epochs 1 -Seed 1

for ($round = 0; $round -lt $TrainingRounds; $round++) {
    Write-Timing 'training-samples' (Measure-Seconds {
            Import-MnistCsv -LiteralPath $CsvPath | Start-NetworkTraining -Epochs 1 -Seed 1 })
    Write-Timing 'training-dataset' (Measure-Seconds {
            Import-MnistCsv -LiteralPath $CsvPath -AsDataset | Start-NetworkTraining -Epochs 1 -Seed 1 })
}

$network = Import-Network -LiteralPath $ModelPath
$samples = @(Import-MnistIdx -Path (Join-Path $root 'data/mnist') -Set Test)
$null = $samples[0..511] | Invoke-DigitPrediction -Network $network
for ($run = 0; $run -lt $PredictionRuns; $run++) {
    Write-Timing 'prediction' (Measure-Seconds { $samples | Invoke-DigitPrediction -Network $network })
}
