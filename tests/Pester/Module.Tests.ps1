Set-StrictMode -Version Latest

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../MnistNet.psd1') -Force
}

Describe 'the MnistNet module' {
    It 'exports exactly the documented cmdlets' {
        $expected = 'Export-Network', 'Import-MnistCsv', 'Import-MnistIdx', 'Import-Network', 'Invoke-DigitPrediction',
            'Measure-NetworkAccuracy', 'New-Network', 'Show-Digit', 'Start-NetworkTraining'

        (Get-Command -Module MnistNet).Name | Sort-Object | Should -Be $expected
    }

    It 'uses only approved verbs' {
        $approved = (Get-Verb).Verb
        Get-Command -Module MnistNet | ForEach-Object { $_.Verb | Should -BeIn $approved }
    }
}

Describe 'default output' {
    BeforeAll {
        $mnist = Join-Path $PSScriptRoot '../../data/mnist'
        $test = Import-MnistIdx -Path $mnist -Set Test -First 20 -AsDataset
        $network = Start-NetworkTraining -Dataset $test -HiddenLayers 8 -Epochs 2 -ValidationSplit 0.25 -Seed 1
    }

    It 'prints <Type> as a table with their own columns' -ForEach @(
        @{ Type = 'samples'; Make = { $test.AsSamples() }; Header = '^\s*ImageId\s+Label\s*$' }
        @{ Type = 'datasets'; Make = { $test }; Header = '^\s*Count\s+Labelled\s+Source\s*$' }
        @{ Type = 'predictions'; Make = { Invoke-DigitPrediction -Network $network -Dataset $test }
            Header = '^\s*ImageId\s+Digit\s+Confidence\s+Label\s+Correct\s*$' }
        @{ Type = 'networks'; Make = { $network }
            Header = '^\s*Architecture\s+Activation\s+Parameters\s+Epochs\s+Loss\s+Accuracy\s+ValAccuracy\s*$' }
        @{ Type = 'epochs'; Make = { $network.History }
            Header = '^\s*Epoch\s+Loss\s+Accuracy\s+ValLoss\s+ValAccuracy\s+LearningRate\s+Seconds\s*$' }
    ) {
        $lines = (& $Make | Out-String) -split "`r?`n" | Where-Object { $_.Trim() }

        $lines[0] | Should -Match $Header
        $lines[1] | Should -Match '^[\s-]+$'
    }

    It 'prints a network row with its architecture and culture-invariant numbers' {
        $before = [cultureinfo]::CurrentCulture
        try {
            [cultureinfo]::CurrentCulture = 'de-DE'
            $row = ($network | Out-String) -split "`r?`n" | Where-Object { $_ -match '784-8-10' }
        }
        finally {
            [cultureinfo]::CurrentCulture = $before
        }

        $row | Should -Match '784-8-10\s+ReLU\s+6370\s+2\s+\d\.\d{4}\s+\d+\.\d\d %'
    }

    It 'prints each epoch''s learning rate in full, however small' {
        $lines = ($network.History | Out-String) -split "`r?`n" | Where-Object { $_ -match '^\s*\d+\s' }

        $lines | Should -HaveCount 2
        $lines | ForEach-Object { $_ | Should -Match '\s0\.001\s+\d+\.\d\d\s*$' }
    }

    It 'prints an evaluation as a list with the confusion matrix' {
        $text = Measure-NetworkAccuracy -Network $network -Dataset $test | Out-String

        $text | Should -Match 'Count\s+: 20'
        $text | Should -Match 'Accuracy\s+: \d+\.\d\d %'
        $text | Should -Match 'true\\pred\s+0\s+1\s+2'
    }
}

Describe 'cmdlets given a disposed network' {
    BeforeAll {
        $test = Import-MnistIdx -Path (Join-Path $PSScriptRoot '../../data/mnist') -Set Test -First 20 -AsDataset
        $disposed = New-Network -HiddenLayers 8 -Seed 1
        $disposed.Dispose()
        $expected = 'The network given with -Network (784-8-10 ReLU) was disposed, so its weights are gone. Load it ' +
            'again with Import-Network, or create a new one with New-Network.'
    }

    It '<Name> stops with a NetworkDisposed error naming the network' -ForEach @(
        @{ Name = 'Invoke-DigitPrediction'; Run = { Invoke-DigitPrediction -Network $disposed -Dataset $test } }
        @{ Name = 'Measure-NetworkAccuracy'; Run = { Measure-NetworkAccuracy -Network $disposed -Dataset $test } }
        @{ Name = 'Start-NetworkTraining'; Run = { Start-NetworkTraining -Dataset $test -Network $disposed -Epochs 1 } }
        @{ Name = 'Export-Network'
            Run = { Export-Network -Network $disposed -Path (Join-Path $TestDrive 'gone.mnn') -ErrorAction Stop } }
    ) {
        $thrown = $Run | Should -Throw -PassThru

        $thrown.FullyQualifiedErrorId | Should -BeLike 'NetworkDisposed,*'
        $thrown.CategoryInfo.Category | Should -Be 'InvalidArgument'
        [object]::ReferenceEquals($thrown.TargetObject, $disposed) | Should -BeTrue
        $thrown.Exception | Should -BeOfType ([ObjectDisposedException])
        "$thrown" | Should -Be $expected
        "$thrown" | Should -Not -BeLike '*AlignedBuffer*'
    }

    It 'Export-Network skips a disposed network in the pipeline and saves the next' {
        $alive = New-Network -HiddenLayers 8 -Seed 2
        $path = Join-Path $TestDrive 'piped.mnn'

        $disposed, $alive | Export-Network -Path $path -ErrorVariable problems -ErrorAction SilentlyContinue

        (Import-Network $path).Seed | Should -Be 2
        @($problems).Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'NetworkDisposed,*'
    }
}
