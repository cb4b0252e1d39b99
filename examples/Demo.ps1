<#
.SYNOPSIS
    The main job: trains the seed network 784-128-64-10 on the 60,000 bundled MNIST training images, scores it on
    the 10,000 test images, shows a few test digits with their predictions and saves the model.

.DESCRIPTION
    Run through the build script, which builds the module first:  dotnet pwsh ./build.ps1 Demo
    Settings: ReLU hidden layers, Adam with learning rate 0.001, batches of 128, 12 epochs, seed 1.
#>
[CmdletBinding()]
param(
    [int] $Epochs = 12,
    [int] $Seed = 1,
    [string] $ModelPath = (Join-Path $PSScriptRoot 'output/seed-network.mnn')
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot -Parent
Import-Module (Join-Path $root 'MnistNet.psd1') -Force

$clock = [System.Diagnostics.Stopwatch]::StartNew()
$mnist = Join-Path $root 'data/mnist'
$training = Import-MnistIdx -Path $mnist -Set Train -AsDataset
$test = Import-MnistIdx -Path $mnist -Set Test -AsDataset
$invariant = [cultureinfo]::InvariantCulture
$loadSeconds = $clock.Elapsed.TotalSeconds.ToString('F1', $invariant)
Write-Host "Loaded $($training.Count) training and $($test.Count) test images in $loadSeconds s."

$network = Start-NetworkTraining -Dataset $training -HiddenLayers 128, 64 -Activation ReLU -Optimizer Adam `
    -LearningRate 0.001 -BatchSize 128 -Epochs $Epochs -Seed $Seed
$network.History | Format-Table | Out-Host

$score = Measure-NetworkAccuracy -Network $network -Dataset $test
$score | Format-List | Out-Host

Write-Host 'A few test digits and what the network reads:'
$predictions = Invoke-DigitPrediction -Network $network -Dataset $test
$wrong = $predictions | Where-Object { -not $_.IsCorrect } | Select-Object -First 1
@($predictions[0], $predictions[1]) + @($wrong | Where-Object { $_ }) | Show-Digit | Out-Host

$folder = Split-Path $ModelPath -Parent
New-Item -ItemType Directory -Force -Path $folder | Out-Null
Export-Network -Network $network -Path $ModelPath
Write-Host "Saved the network to $ModelPath."

$clock.Stop()
$accuracy = $score.Accuracy.ToString('P2', $invariant)
$seconds = $clock.Elapsed.TotalSeconds.ToString('F1', $invariant)
Write-Host ''
Write-Host "MNIST test accuracy: $accuracy ($($score.Correct) of $($score.Count)); demo took $seconds s."
