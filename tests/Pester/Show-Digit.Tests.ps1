Set-StrictMode -Version Latest

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../MnistNet.psd1') -Force
    $mnist = Join-Path $PSScriptRoot '../../data/mnist'
}

Describe 'Show-Digit' {
    It 'draws a sample as 28 rows of block characters under a caption with its label' {
        $sample = Import-MnistIdx -Path $mnist -Set Test -First 1

        $lines = (Show-Digit -InputObject $sample) -split "`n"

        $lines.Count | Should -Be 29
        $lines[0] | Should -Be 'Image 1, label 7'
        $lines[1..28] | ForEach-Object { $_.Length | Should -Be 56 }
        ($lines[1..28] -join '') | Should -Match '█'
    }

    It 'captions a prediction with the digit read and whether it is right' {
        $training = Import-MnistIdx -Path $mnist -Set Train -First 300 -AsDataset
        $network = Start-NetworkTraining -Dataset $training -HiddenLayers 16 -Epochs 1 -Seed 1

        $picture = Import-MnistIdx -Path $mnist -Set Test -First 1 | Invoke-DigitPrediction -Network $network |
            Show-Digit

        ($picture -split "`n")[0] | Should -Match '^Image 1, label 7, predicted \d at \d+\.\d ?% \((correct|wrong)\)$'
    }

    It 'reports objects without an image' {
        Show-Digit -InputObject 'hello' -ErrorVariable problems -ErrorAction SilentlyContinue

        $problems[0].FullyQualifiedErrorId | Should -BeLike 'InvalidPixels,*'
    }
}
