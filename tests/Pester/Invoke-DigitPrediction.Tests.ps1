Set-StrictMode -Version Latest

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../MnistNet.psd1') -Force
    $mnist = Join-Path $PSScriptRoot '../../data/mnist'
    $training = Import-MnistIdx -Path $mnist -Set Train -First 2000 -AsDataset
    $network = Start-NetworkTraining -Dataset $training -Epochs 4 -Seed 1
}

Describe 'Invoke-DigitPrediction' {
    It 'emits one prediction per piped sample, in order, with the true label' {
        $samples = Import-MnistIdx -Path $mnist -Set Test -First 700

        $predictions = $samples | Invoke-DigitPrediction -Network $network

        $predictions.Count | Should -Be 700
        $predictions.ImageId | Should -Be (1..700)
        $predictions[0].Label | Should -Be 7
        $predictions | ForEach-Object {
            $_.Digit | Should -BeIn (0..9)
            $_.Probabilities.Count | Should -Be 10
            $_.Confidence | Should -Be $_.Probabilities[$_.Digit]
        }
        ($predictions | Where-Object IsCorrect).Count / 700 | Should -BeGreaterThan 0.85
    }

    It 'gives the same probabilities for samples, a dataset and pixel arrays' {
        $dataset = Import-MnistIdx -Path $mnist -Set Test -First 3 -AsDataset

        $fromDataset = Invoke-DigitPrediction -Network $network -Dataset $dataset
        $fromSamples = $dataset.AsSamples() | Invoke-DigitPrediction -Network $network
        $fromPixels = Invoke-DigitPrediction -Network $network -Pixels ([int[]] $dataset.GetSample(2).Pixels)

        $fromSamples[2].Probabilities | Should -Be $fromDataset[2].Probabilities
        $fromPixels.Probabilities | Should -Be $fromDataset[2].Probabilities
        $fromPixels.ImageId | Should -Be 1
        $fromPixels.Label | Should -BeNullOrEmpty
    }

    It 'refuses a pixel array of the wrong length, or pixels that are not an array' {
        { Invoke-DigitPrediction -Network $network -Pixels (1..10) -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidPixels,*' `
                -ExpectedMessage 'Image 1: -Pixels takes 784 grey levels, one image; it was given 10.'
        { Invoke-DigitPrediction -Network $network -Pixels 'ink' -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidPixels,*' -ExpectedMessage "*it was given 'ink'."
    }

    It 'keeps counting ImageIds over refused images, as non-terminating errors' {
        $good = [int[]] (Import-MnistIdx -Path $mnist -Set Test -First 1).Pixels
        $bad = [double[]] (@(0.0) * 784)
        $bad[9] = 0.5

        $predictions = [pscustomobject]@{ Pixels = $bad }, [pscustomobject]@{ Pixels = $good },
            [pscustomobject]@{ Pixels = $bad } | Invoke-DigitPrediction -Network $network -ErrorVariable problems `
            -ErrorAction SilentlyContinue

        $predictions.ImageId | Should -Be 2
        $problems.Count | Should -Be 2
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'InvalidPixels,*'
        $problems[0].Exception.Message | Should -BeLike 'Image 1: Pixel 9 is 0.5: a fraction*'
        $problems[1].Exception.Message | Should -BeLike 'Image 3: Pixel 9 is 0.5*'
    }

    It 'refuses pixels that are not whole grey levels, naming the first bad one' {
        $scaled = [double[]] (@(0.0) * 784)
        $scaled[5] = 0.5

        $fraction = '*Pixel 5 is 0.5: a fraction; grey levels are whole numbers from 0 to 255*multiply*255*'
        { Invoke-DigitPrediction -Network $network -Pixels $scaled -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidPixels,*' -ExpectedMessage $fraction
        { Invoke-DigitPrediction -Network $network -Pixels (@(256) * 784) -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*Pixel 0 is 256: not a whole number from 0 to 255*'
        { Invoke-DigitPrediction -Network $network -Pixels (@('x') * 784) -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "*Pixel 0 is 'x': not a number*"
        $notANumber = [double[]] (@(0.0) * 784)
        $notANumber[3] = [double]::NaN
        { Invoke-DigitPrediction -Network $network -Pixels $notANumber -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*Pixel 3 is NaN: not a whole number from 0 to 255*'
        { Invoke-DigitPrediction -Network $network -Pixels (@([float]::NaN) * 784) -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*Pixel 0 is NaN*'

        # Scaled to 0..1 in single precision and back: a few millionths off, which is rounding, not a fraction.
        $levels = [byte[]] (0..783 | ForEach-Object { $_ % 256 })
        $singles = [float[]] ($levels | ForEach-Object { [float]([float]$_ / 255) * 255 })
        (Invoke-DigitPrediction -Network $network -Pixels $singles).Probabilities |
            Should -Be (Invoke-DigitPrediction -Network $network -Pixels $levels).Probabilities

        $whole = [double[]] (@(0.0) * 784)
        (Invoke-DigitPrediction -Network $network -Pixels $whole).Probabilities |
            Should -Be (Invoke-DigitPrediction -Network $network -Pixels ([byte[]]::new(784))).Probabilities

        # A thousandth off is allowed on both sides of every level, whatever binary error the typed decimal has.
        $edges = [double[]] (@(255.001, 254.999, 128.001, 1.001, 0.001) * 157)[0..783]
        $rounded = [byte[]] (@(255, 255, 128, 1, 0) * 157)[0..783]
        (Invoke-DigitPrediction -Network $network -Pixels $edges).Probabilities |
            Should -Be (Invoke-DigitPrediction -Network $network -Pixels $rounded).Probabilities
        $beyond = [double[]] (@(0.0) * 784)
        $beyond[7] = 255.0011
        { Invoke-DigitPrediction -Network $network -Pixels $beyond -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*Pixel 7 is 255.0011: not a whole number from 0 to 255*'
    }

    It 'writes a valid Kaggle submission file from the test layout' {
        $submission = Join-Path $TestDrive 'submission.csv'

        Import-MnistCsv (Join-Path $PSScriptRoot '../data/test-200.csv') | Invoke-DigitPrediction -Network $network |
            Select-Object ImageId, @{ n = 'Label'; e = { $_.Digit } } | Export-Csv $submission

        $lines = Get-Content $submission
        $lines[0] | Should -Be '"ImageId","Label"'
        $lines.Count | Should -Be 201
        $rows = Import-Csv $submission
        $rows.ImageId | Should -Be (1..200 | ForEach-Object { "$_" })
        $rows | ForEach-Object { $_.Label | Should -Match '^[0-9]$' }
    }
}

Describe 'Measure-NetworkAccuracy' {
    It 'scores labelled data with accuracy, mean loss and a confusion matrix that add up' {
        $test = Import-MnistIdx -Path $mnist -Set Test -First 1000 -AsDataset

        $score = Measure-NetworkAccuracy -Network $network -Dataset $test
        $predictions = Invoke-DigitPrediction -Network $network -Dataset $test

        $score.Count | Should -Be 1000
        $score.Correct | Should -Be ($predictions | Where-Object IsCorrect).Count
        $score.Accuracy | Should -Be ($score.Correct / 1000)
        $score.MeanLoss | Should -BeGreaterThan 0
        $sum = 0
        foreach ($cell in $score.ConfusionMatrix) { $sum += $cell }
        $sum | Should -Be 1000
    }

    It 'accepts piped samples' {
        $score = Import-MnistIdx -Path $mnist -Set Test -First 50 | Measure-NetworkAccuracy -Network $network

        $score.Count | Should -Be 50
    }

    It 'reports unlabelled samples as errors' {
        $unlabelled = Import-MnistCsv (Join-Path $PSScriptRoot '../data/test-200.csv') | Select-Object -First 2

        $unlabelled | Measure-NetworkAccuracy -Network $network -ErrorVariable problems -ErrorAction SilentlyContinue

        $problems.Count | Should -Be 2
        $problems[0].Exception.Message | Should -BeLike '*no label*'
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'UnlabelledData,*'
    }
}

Describe 'Measure-NetworkAccuracy input checks' {
    It 'reports an empty dataset as NoData' {
        $empty = Import-MnistIdx -Path $mnist -Set Test -First 0 -AsDataset

        Measure-NetworkAccuracy -Network $network -Dataset $empty -ErrorVariable problems -ErrorAction SilentlyContinue

        $problems[0].FullyQualifiedErrorId | Should -BeLike 'NoData,*'
        $problems[0].Exception.Message | Should -BeLike '*holds no images*'
    }
}
