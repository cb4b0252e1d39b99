Set-StrictMode -Version Latest

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../MnistNet.psd1') -Force
}

Describe 'the MnistNet module' {
    It 'exports exactly the documented cmdlets' {
        $expected = 'Export-Network', 'Import-MnistCsv', 'Import-MnistIdx', 'Import-Network', 'Invoke-DigitPrediction',
            'Measure-NetworkAccuracy', 'Show-Digit', 'Start-NetworkTraining'

        (Get-Command -Module MnistNet).Name | Sort-Object | Should -Be $expected
    }

    It 'uses only approved verbs' {
        $approved = (Get-Verb).Verb
        Get-Command -Module MnistNet | ForEach-Object { $_.Verb | Should -BeIn $approved }
    }

    It 'prints <Type> with its own table view' -ForEach @(
        @{ Type = 'samples'; Make = { Import-MnistIdx -Path (Join-Path $PSScriptRoot '../../data/mnist') -Set Test -First 2 }; Header = 'ImageId' }
        @{ Type = 'datasets'; Make = { Import-MnistIdx -Path (Join-Path $PSScriptRoot '../../data/mnist') -Set Test -First 2 -AsDataset }; Header = 'Labelled' }
    ) {
        $text = & $Make | Out-String

        $text | Should -Match $Header
    }
}
